/// A token bucket: `rate` tokens a second accumulate up to `capacity`; spending takes `cost` tokens when there are
/// that many. Starts full. The rate limits of the server (state changes, feedback, members' media) are all this.
public struct TokenBucket: Sendable {
    public let rate: Double
    public let capacity: Double
    public private(set) var tokens: Double
    private var refilled: ContinuousClock.Instant?

    public init(rate: Double, capacity: Double) {
        self.rate = rate
        self.capacity = capacity
        tokens = capacity
    }

    /// Takes `cost` tokens if there are that many now; false (nothing taken) otherwise.
    public mutating func spend(_ cost: Double = 1, now: ContinuousClock.Instant) -> Bool {
        refill(now: now)
        guard tokens >= cost else { return false }
        tokens -= cost
        return true
    }

    /// Takes `cost` tokens whatever is left, down to a debt of one `capacity`: for costs known only afterwards
    /// (CPU time a piece of work took), which then wait until the debt is paid (`hasTokens`).
    public mutating func charge(_ cost: Double, now: ContinuousClock.Instant) {
        refill(now: now)
        tokens = max(-capacity, tokens - cost)
    }

    /// Whether anything is left now.
    public mutating func hasTokens(now: ContinuousClock.Instant) -> Bool {
        refill(now: now)
        return tokens > 0
    }

    private mutating func refill(now: ContinuousClock.Instant) {
        if let refilled {
            let elapsed = now - refilled
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            tokens = min(capacity, tokens + max(0, seconds) * rate)
        }
        refilled = now
    }
}
