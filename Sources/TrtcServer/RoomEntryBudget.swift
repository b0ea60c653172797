import TrtcCore

/// How many rooms each user (sdkAppId + userId) may enter per minute: with one valid UserSig a client could otherwise
/// enter room after room and read each one's members from `entered` (room enumeration, docs/security.md H3). A token
/// bucket per user, `perMinute` in bursts of as many. Only new rooms count: entering a room the user is in (a reconnect,
/// a second device) or entered within the last minute (leave and come back) is free. Owned by `RoomRegistry`, behind a
/// lock of its own (held for one bucket's update, never with a room's fan-out).
struct RoomEntryBudget {
    struct User: Hashable {
        let sdkAppId: UInt32
        let userId: String
    }

    private struct Bucket {
        var tokens: Double
        var refilled: ContinuousClock.Instant
        /// The rooms it entered lately, at most `perMinute` (oldest first).
        var recent: [RoomName] = []
    }

    /// 0: no limit.
    let perMinute: Int
    private var buckets: [User: Bucket] = [:]
    private var lastPrune: ContinuousClock.Instant?

    init(perMinute: Int) {
        self.perMinute = perMinute
    }

    /// May `user` enter `room` (which it is not in) now?
    mutating func spend(_ user: User, room: RoomName, now: ContinuousClock.Instant = .now) -> Bool {
        guard perMinute > 0 else { return true }
        let burst = Double(perMinute)
        var bucket = buckets[user] ?? Bucket(tokens: burst, refilled: now)
        if bucket.recent.contains(room) { return true }
        bucket.tokens = min(burst, bucket.tokens + Self.seconds(now - bucket.refilled) * burst / 60)
        bucket.refilled = now
        let allowed = bucket.tokens >= 1
        if allowed {
            bucket.tokens -= 1
            bucket.recent.append(room)
            if bucket.recent.count > perMinute { bucket.recent.removeFirst() }
        }
        buckets[user] = bucket
        return allowed
    }

    /// Forgets users whose bucket has refilled (a minute without entries), at most every 10 s, so the table holds only
    /// the users of the last minute.
    mutating func prune(now: ContinuousClock.Instant = .now) {
        if let lastPrune, now - lastPrune < .seconds(10) { return }
        lastPrune = now
        buckets = buckets.filter { now - $0.value.refilled < .seconds(60) }
    }

    var trackedUsers: Int { buckets.count }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration / .microseconds(1)) / 1e6
    }
}
