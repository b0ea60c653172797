/// How many room state changes (enter, publish, switchRole) one signaling session may ask for: each reaches every
/// other member of the room, so an unthrottled toggle loop is an amplifier (security finding M3). A token bucket:
/// `perSecond` on average, bursts of `burst`. Used on the session's event loop only, behind the session's lock.
struct StateChangeBudget {
    static let perSecond = 10.0
    static let burst = 20.0

    private var tokens = StateChangeBudget.burst
    private var refilled: ContinuousClock.Instant?

    mutating func spend(now: ContinuousClock.Instant = .now) -> Bool {
        if let refilled {
            let seconds = Double((now - refilled) / .microseconds(1)) / 1e6
            tokens = min(Self.burst, tokens + seconds * Self.perSecond)
        }
        refilled = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
