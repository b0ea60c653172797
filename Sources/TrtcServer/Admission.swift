import TrtcCore

/// An enter request whose identifiers and UserSig have been checked.
struct Admission: Sendable {
    var seq: UInt32
    var key: RoomKey
    var userId: String
    var scene: Scene
    var role: Role
    var video: Bool
    var audio: Bool

    /// Validates in the order TRTC reports problems: app, room, user, signature.
    init(_ request: EnterRequest, apps: [UInt32: String], now: Int) throws(SignalingError) {
        let seq = request.seq
        do {
            guard let rawAppId = request.sdkAppId else { throw TrtcError(.invalidSdkAppId, "sdkAppId is missing") }
            let sdkAppId = try Identifiers.sdkAppId(rawAppId)
            let room = try Identifiers.roomName(roomId: request.roomId, strRoomId: request.strRoomId)
            guard let rawUserId = request.userId else { throw TrtcError(.invalidUserId, "userId is missing") }
            let userId = try Identifiers.userId(rawUserId)
            guard let userSig = request.userSig, !userSig.isEmpty else { throw TrtcError(.invalidUserSig, "userSig is empty") }
            guard let secretKey = apps[sdkAppId] else {
                throw TrtcError(.invalidSdkAppId, "sdkAppId \(sdkAppId) is not registered on this server")
            }
            try UserSig.verify(userSig, sdkAppId: sdkAppId, userId: userId, secretKey: secretKey, now: now)
            self.seq = seq
            self.key = RoomKey(sdkAppId: sdkAppId, room: room)
            self.userId = userId
        } catch let error as TrtcError {
            throw SignalingError(seq: seq, error)
        } catch {
            throw SignalingError(seq: seq, TrtcError(.refused, "\(error)"))
        }
        self.scene = request.scene
        // Roles apply to the live scene; in rtc everybody is an anchor (as in TRTC).
        self.role = request.scene == .rtc ? .anchor : request.role
        self.video = role == .anchor && request.video
        self.audio = role == .anchor && request.audio
    }
}
