/// Where a publisher sends and whether it may: set by `LocalMedia` from the room state, read by the encoder
/// queue for every frame.
struct PublishTarget: Sendable {
    var transport: MediaTransport?
    var ssrc: UInt32 = 0
    /// The server acknowledged that we publish this kind, and it is not muted.
    var enabled = false

    /// Frames are worth encoding only when they can be sent.
    var isLive: Bool { enabled && transport?.isBound == true }
}
