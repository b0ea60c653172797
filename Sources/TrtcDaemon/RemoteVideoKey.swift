/// One StartRemoteVideo node: whose video, and which stream (`main`, or `sub` for screen sharing).
struct RemoteVideoKey: Hashable, Sendable, CustomStringConvertible {
    let userId: String
    let streamType: String

    static func main(_ userId: String) -> RemoteVideoKey { RemoteVideoKey(userId: userId, streamType: "main") }

    /// The node's name (SPEC §3).
    var nodeName: String { "trtcd.remote.\(userId).\(streamType)" }
    var description: String { "\(userId)/\(streamType)" }
}
