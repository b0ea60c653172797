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

    /// Does its privateMapKey allow `bit`? Without a key, everything is allowed.
    func may(_ bit: Privileges) -> Bool { privileges?.contains(bit) ?? true }

    /// In the live scene only anchors are announced to the others; in rtc everybody is.
    var isVisible: Bool { scene == .rtc || role == .anchor }

    var info: MemberInfo {
        MemberInfo(userId: userId, role: role, video: video, audio: audio,
                   videoSsrc: video ? media.videoSsrc : nil, audioSsrc: audio ? media.audioSsrc : nil)
    }
}
