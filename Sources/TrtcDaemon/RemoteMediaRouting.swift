/// Which remote users' video and audio trtcd receives, and the SSRCs they send with (`LocalMedia.remote`).
struct RemoteMediaRouting: @unchecked Sendable {
    var videoReceivers: [RemoteVideoKey: RemoteVideoReceiver] = [:]
    var audioReceivers: [String: RemoteAudioReceiver] = [:]
    var videoSsrcs: [String: UInt32] = [:]

    /// The video receiver for packets of `ssrc` (a handful of users at most: a linear search).
    func videoReceiver(for ssrc: UInt32) -> RemoteVideoReceiver? {
        guard let userId = videoSsrcs.first(where: { $0.value == ssrc })?.key else { return nil }
        return videoReceivers[.main(userId)]  // only main streams are published (no sub stream yet)
    }

    /// The audio receiver for packets of `ssrc`, if it still plays that stream.
    func audioReceiver(for ssrc: UInt32) -> RemoteAudioReceiver? {
        audioReceivers.values.first { $0.ssrc == ssrc }
    }
}
