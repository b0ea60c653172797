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
    /// What the member's verified privateMapKey allows; nil when it gave none (and its app does not require one).
    var privileges: Privileges?
    /// A browser's checked SDP offer (`enter.sdp`); its ICE ufrag and fingerprint are `media`.
    var browserOffer: BrowserOffer?

    /// Validates in the order TRTC reports problems: app, room, user, signature, then the privateMapKey (required by
    /// the app, or given): it must verify for this app, user and room and allow entering, and sending what the
    /// request publishes from the first moment. (Creating the room is checked by the table, which knows.)
    init(_ request: EnterRequest, apps: [UInt32: String], requiringPrivateMapKey: Set<UInt32> = [], now: Int)
        throws(SignalingError) {
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
            if let key = request.privateMapKey, !key.isEmpty {
                let privileges = try PrivateMapKey.verify(key, sdkAppId: sdkAppId, userId: userId, room: room,
                                                          secretKey: secretKey, now: now)
                try Self.require(.enterRoom, of: privileges, "enter the room")
                // Roles apply to the live scene only; an audience member publishes nothing at entry.
                if request.scene == .rtc || request.role == .anchor {
                    if request.audio { try Self.require(.sendAudio, of: privileges, "send audio") }
                    if request.video { try Self.require(.sendVideo, of: privileges, "send video") }
                }
                self.privileges = privileges
            } else if requiringPrivateMapKey.contains(sdkAppId) {
                throw TrtcError(.invalidPrivateMapKey, "sdkAppId \(sdkAppId) requires a privateMapKey for the room")
            }
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
        if let sdp = request.sdp {
            guard request.media == nil else { throw .badMessage("enter takes media or sdp, not both", seq: seq) }
            let offer: BrowserOffer
            do { offer = try BrowserOffer(sdp: sdp) } catch { throw .badMessage("sdp: \(error.message)", seq: seq) }
            guard let fingerprint = CertificateFingerprint(offer.fingerprint) else {
                throw .badMessage("sdp: a=fingerprint must be sha-256 and 32 colon-separated hex bytes", seq: seq)
            }
            self.media = (offer.ufrag, fingerprint)
            self.browserOffer = offer
        }
    }

    /// -100006 unless `privileges` has `bit`, naming what was asked and what the key allows.
    static func require(_ bit: Privileges, of privileges: Privileges, _ what: String) throws(TrtcError) {
        guard privileges.contains(bit) else {
            throw TrtcError(.invalidPrivateMapKey,
                            "privateMapKey does not allow to \(what) (privilege \(bit.rawValue)); it allows \(privileges)")
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
