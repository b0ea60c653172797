/// How much of the send estimate retransmissions may take (libwebrtc's retransmission rate limiter): bytes
/// accumulate at `share` × the estimate, at most `burst` worth. Without it, after a capacity drop every packet the
/// full queue lost came back as a NACK and was sent again beside the video, keeping the queue full: 754 kbit/s sent on
/// a 600 kbit/s link with a 373 kbit/s estimate (trtc-bench network, steps). A value without I/O.
public struct RetransmissionBudget: Sendable {
    public static let share = 0.25
    static let burst = Duration.milliseconds(500)

    private var bytes: Double?
    private var last: Duration?

    public init() {}

    /// Whether a retransmission of `size` bytes may leave now at `estimate` bits/s (then spent).
    public mutating func allow(_ size: Int, estimate: Int, now: Duration) -> Bool {
        let rate = Double(estimate) / 8 * Self.share
        let most = rate * Self.burst.floatMilliseconds / 1000
        var available = bytes ?? most
        if let last { available = min(most, available + rate * max((now - last).floatMilliseconds, 0) / 1000) }
        last = now
        guard available >= Double(size) else {
            bytes = available
            return false
        }
        bytes = available - Double(size)
        return true
    }
}
