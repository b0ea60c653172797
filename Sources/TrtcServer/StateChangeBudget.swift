import TrtcCore

/// How many room state changes (enter, publish, switchRole) one signaling session may ask for: each reaches every
/// other member of the room, so an unthrottled toggle loop is an amplifier (security finding M3). A token bucket:
/// `perSecond` on average, bursts of twice that (`ServerConfiguration.stateChangesPerSecond`; 0: no limit).
/// Owned by the session's event loop (`SignalingSession.stateChanges`).
struct StateChangeBudget {
    let perSecond: Double
    var burst: Double { 2 * perSecond }
    private var bucket: TokenBucket

    init(perSecond: Int) {
        self.perSecond = Double(perSecond)
        bucket = TokenBucket(rate: Double(perSecond), capacity: 2 * Double(perSecond))
    }

    mutating func spend(now: ContinuousClock.Instant = .now) -> Bool {
        guard perSecond > 0 else { return true }
        return bucket.spend(now: now)
    }
}
