/// Which remote users' video trtcd shows, and the SSRC each sends with (`LocalMedia.remoteVideo`).
struct RemoteVideoRouting: @unchecked Sendable {
    var receivers: [String: RemoteVideoReceiver] = [:]
    var ssrcs: [String: UInt32] = [:]

    /// The receiver for packets of `ssrc` (a handful of users at most: a linear search).
    func receiver(for ssrc: UInt32) -> RemoteVideoReceiver? {
        guard let userId = ssrcs.first(where: { $0.value == ssrc })?.key else { return nil }
        return receivers[userId]
    }
}
