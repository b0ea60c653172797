import TrtcCore
import TrtcTransport

/// An enter request whose identifiers and UserSig have been checked.
struct Admission: Sendable {
    var seq: UInt32
    var key: RoomKey
    var userId: String
    var scene: Scene
    var role: Role
    var video: Bool
    var audio: Bool
    /// The client's media offer, checked: nil for a signaling-only member.
    var media: (ufrag: String, fingerprint: CertificateFingerprint)?

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
        if let offer = request.media {
            guard Self.isICEUfrag(offer.ufrag) else {
                throw .badMessage("media.ufrag must be 4 to 256 ICE characters (letters, digits, + and /)", seq: seq)
            }
            guard let fingerprint = CertificateFingerprint(offer.fingerprint) else {
                throw .badMessage("media.fingerprint must be \"sha-256\" and 32 colon-separated hex bytes", seq: seq)
            }
            self.media = (offer.ufrag, fingerprint)
        }
    }

    /// RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/"; so a USERNAME `server:client` splits at its one colon.
    static func isICEUfrag(_ text: String) -> Bool {
        (4...256).contains(text.utf8.count) && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2B || byte == 0x2F
        }
    }
}
