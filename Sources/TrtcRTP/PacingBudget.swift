/// The pacer's budget (libwebrtc `pacing_controller.cc` / `interval_budget.cc`): packets may leave at `factor` × the
/// send estimate, and unused budget builds up for at most one `interval`, so a burst — a key frame's packets, a
/// batch of retransmissions — leaves in steps of at most 5 ms' worth at 2.5× the estimate instead of at once
/// (a burst at line rate fills the bottleneck's queue and reads as congestion).
///
/// A value without I/O: times are monotonic and passed in.
public struct PacingBudget: Sendable {
    public static let interval = Duration.milliseconds(5)
    public static let factor = 2.5
    static let maximumDebt = Duration.milliseconds(100)

    /// Bytes per second packets may leave at.
    public private(set) var bytesPerSecond: Double
    /// The rate is this times the target (`factor` for a sender's own pacer; 1 for the SFU's `DownlinkPacer`).
    public let rateFactor: Double
    private var bytesLeft: Double
    private var last: Duration?

    public init(targetBitsPerSecond: Int, rateFactor: Double = PacingBudget.factor) {
        self.rateFactor = rateFactor
        bytesPerSecond = Double(targetBitsPerSecond) / 8 * rateFactor
        bytesLeft = bytesPerSecond * Self.seconds(Self.interval)
    }

    public mutating func setTarget(bitsPerSecond: Int) {
        bytesPerSecond = Double(bitsPerSecond) / 8 * rateFactor
    }

    /// Whether a packet may leave now (the budget is not spent; the packet may then overdraw it).
    public mutating func canSend(now: Duration) -> Bool {
        refill(now: now)
        return bytesLeft > 0
    }

    public mutating func spend(_ bytes: Int, now: Duration) {
        refill(now: now)
        // Debt is repaid before paced packets leave again (so large packets do not beat the rate), but at most 100 ms'
        // worth: unpaced packets (audio) must not stall video for long.
        bytesLeft = max(bytesLeft - Double(bytes), -bytesPerSecond * Self.seconds(Self.maximumDebt))
    }

    /// When a packet may leave next, if not now.
    public mutating func nextSend(now: Duration) -> Duration {
        refill(now: now)
        guard bytesLeft <= 0, bytesPerSecond > 0 else { return now }
        return now + .microseconds(Int64((-bytesLeft + 1) / bytesPerSecond * 1_000_000))
    }

    private mutating func refill(now: Duration) {
        let elapsed = last.map { max(Self.seconds(now - $0), 0) } ?? 0
        last = now
        bytesLeft = min(bytesLeft + elapsed * bytesPerSecond, bytesPerSecond * Self.seconds(Self.interval))
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
