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

    /// libwebrtc's sender SSRC for the RTCP of sections that send nothing; never granted to a member.
    static let receiverReportSsrc: UInt32 = 1
}
