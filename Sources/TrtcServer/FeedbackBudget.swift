import TrtcCore

/// What one member's RTCP feedback may cost the SFU, and when its video last had a key frame asked for.
/// Media loop only (like the routing table that holds it).
final class FeedbackBudget {
    /// Key-frame requests (PLI) for one publisher are merged: at most one reaches it per this interval, whatever
    /// the number of receivers asking (each key frame costs the whole room several times a normal frame).
    static let keyframeInterval = Duration.milliseconds(300)
    /// Retransmissions from the server's cache one member may ask for: this many per second, in bursts of `burst`.
    static let retransmissionsPerSecond = 200.0
    static let burst = 400.0
    /// Sequence numbers of one NACK the server considers; the rest are ignored (RFC 4585 sets no limit).
    static let maxNACKNumbers = 100

    private var lastKeyframeRequest: ContinuousClock.Instant?
    private var retransmissions = TokenBucket(rate: FeedbackBudget.retransmissionsPerSecond, capacity: FeedbackBudget.burst)

    /// Whether a key-frame request for this member's video may be passed on now (and notes it if so).
    func admitKeyframeRequest(now: ContinuousClock.Instant) -> Bool {
        if let last = lastKeyframeRequest, now - last < Self.keyframeInterval { return false }
        lastKeyframeRequest = now
        return true
    }

    /// Takes one retransmission from this member's budget; false when it is spent.
    func spendRetransmission(now: ContinuousClock.Instant) -> Bool {
        retransmissions.spend(now: now)
    }
}
