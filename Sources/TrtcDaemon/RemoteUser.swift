/// A remote member as this daemon sees it.
struct RemoteUser: Sendable, Equatable {
    var video: Bool
    var audio: Bool
    /// The SSRCs of its streams while it publishes them (from `userVideo`/`userAudio` and `entered.members`).
    var videoSsrc: UInt32? = nil
    var audioSsrc: UInt32? = nil
}
