import TrtcCore

/// A user in a room, bound to the signaling session that entered it.
struct RoomMember: Sendable {
    let userId: String
    var session: SignalingSession
    var scene: Scene
    var role: Role
    var video: Bool
    var audio: Bool
    var media: MediaGrant
    /// What its privateMapKey allows; nil: it entered without one (in an app that does not require one).
    var privileges: Privileges? = nil
    /// Set for a member that entered with an SDP offer (a browser).
    var browser: BrowserPeer? = nil

    /// Does its privateMapKey allow `bit`? Without a key, everything is allowed.
    func may(_ bit: Privileges) -> Bool { privileges?.contains(bit) ?? true }

    /// In the live scene only anchors are announced to the others; in rtc everybody is.
    var isVisible: Bool { scene == .rtc || role == .anchor }

    var info: MemberInfo {
        MemberInfo(userId: userId, role: role, video: video, audio: audio,
                   videoSsrc: video ? media.videoSsrc : nil, audioSsrc: audio ? media.audioSsrc : nil)
    }
}

/// What a browser member negotiated at `enter`, which its later offers must keep (no ICE restart, same sending SSRCs).
struct BrowserPeer: Sendable {
    var ufrag: String
    var fingerprint: String
    var audioSsrc: UInt32?
    var videoSsrc: UInt32?
    /// The media socket's address as the browser reaches it, for the answers' candidate.
    var host: String
    /// Answers sent so far (the `o=` version of the next one).
    var answers: UInt32
    /// Its numbers for Opus and VP8, fixed by its first offer.
    var payloadTypes: MemberPayloadTypes
    /// Its first offer accepted transport-wide sequence numbers: it gets the server's own on its downlink.
    var transportWideCC = false

    /// libwebrtc's sender SSRC for the RTCP of sections that send nothing; never granted to a member.
    static let receiverReportSsrc: UInt32 = 1
}

/// A member's payload types for Opus and VP8: a browser's own, from its first SDP offer (Firefox numbers them 109 and
/// 120), trtcd's 111 and 96 for everyone else. The SFU carries trtcd's numbers: a member's packets are renumbered
/// to them on arrival, and each copy to the member's own on the way out.
struct MemberPayloadTypes: Sendable, Equatable {
    var audio: UInt8 = UInt8(BrowserOffer.MediaKind.audio.payloadType)
    var video: UInt8 = UInt8(BrowserOffer.MediaKind.video.payloadType)

    /// trtcd's numbers, which the SFU carries.
    static let carried = MemberPayloadTypes()

    init() {}

    /// The offer's numbers; a kind it does not carry keeps trtcd's.
    init(_ offer: BrowserOffer) {
        if let audio = offer.payloadType(of: .audio) { self.audio = UInt8(audio) }
        if let video = offer.payloadType(of: .video) { self.video = UInt8(video) }
    }

    /// The carried number of a packet this member sent with `payloadType` (unchanged when it is neither codec's).
    func carried(_ payloadType: UInt8) -> UInt8 {
        switch payloadType {
        case video: Self.carried.video
        case audio: Self.carried.audio
        default: payloadType
        }
    }

    /// This member's number for a packet the SFU carries with `payloadType`.
    func own(_ payloadType: UInt8) -> UInt8 {
        switch payloadType {
        case Self.carried.video: video
        case Self.carried.audio: audio
        default: payloadType
        }
    }
}
