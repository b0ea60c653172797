/// A remote member as this daemon sees it.
struct RemoteUser: Sendable, Equatable {
    var video: Bool
    var audio: Bool
    /// The SSRC of its audio while it publishes audio (from `userAudio` and `entered.members`), for MuteRemoteAudio.
    /// Its video SSRC lives only in `LocalMedia`'s routing, the one place that uses it.
    var audioSsrc: UInt32? = nil
}
