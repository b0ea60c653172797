import Synchronization

/// What the server API admits after a request's signature verified: no signature twice within the timestamp window
/// (a replayed request), and at most `requestsPerSecond` per SecretId (Tencent's own limit is 20/s per API).
final class APIRequestGuard: Sendable {
    /// Accepted signatures kept at most (beyond, the oldest are forgotten first); with the rate limit on, the window
    /// never holds more than rate × window per SecretId.
    static let maxRemembered = 100_000

    private struct State {
        /// Signature → the unix time after which its timestamp is out of the window anyway.
        var seen: [String: Int] = [:]
        /// The same signatures in arrival order, for forgetting.
        var order: [(signature: String, expiry: Int)] = []
        var orderStart = 0
        var buckets: [String: (tokens: Double, refilled: ContinuousClock.Instant)] = [:]
    }

    let requestsPerSecond: Int
    let window: Int
    private let state = Mutex(State())

    /// `window`: the timestamp tolerance in seconds (a signature stays valid that long either side of its time).
    init(requestsPerSecond: Int, window: Int) {
        self.requestsPerSecond = requestsPerSecond
        self.window = window
    }

    func admit(secretId: String, signature: String, timestamp: Int, now: Int, clock: ContinuousClock.Instant = .now) throws(APIError) {
        let refusal: APIError? = state.withLock { state in
            forgetExpired(&state, now: now)
            if requestsPerSecond > 0 {
                let rate = Double(requestsPerSecond)
                var bucket = state.buckets[secretId] ?? (rate, clock)
                let elapsed = Double((clock - bucket.refilled) / .microseconds(1)) / 1e6
                bucket = (min(rate, bucket.tokens + elapsed * rate), clock)
                guard bucket.tokens >= 1 else {
                    state.buckets[secretId] = bucket
                    return APIError("RequestLimitExceeded", "more than \(requestsPerSecond) requests per second with SecretId \(secretId.prefix(64).debugDescription)")
                }
                bucket.tokens -= 1
                state.buckets[secretId] = bucket
            }
            guard state.seen[signature] == nil else {
                return APIError("AuthFailure.SignatureFailure", "this signature was used already: a replayed request (sign each request anew)")
            }
            let expiry = timestamp + window
            state.seen[signature] = expiry
            state.order.append((signature, expiry))
            if state.seen.count > Self.maxRemembered, state.orderStart < state.order.count {
                state.seen[state.order[state.orderStart].signature] = nil
                state.orderStart += 1
            }
            return nil
        }
        if let refusal { throw refusal }
    }

    /// Signatures whose timestamp left the window cannot be replayed anyway (SignatureExpire first).
    private func forgetExpired(_ state: inout State, now: Int) {
        while state.orderStart < state.order.count, state.order[state.orderStart].expiry < now {
            let entry = state.order[state.orderStart]
            if state.seen[entry.signature] == entry.expiry { state.seen[entry.signature] = nil }
            state.orderStart += 1
        }
        if state.orderStart > 4096 && state.orderStart * 2 > state.order.count {
            state.order.removeFirst(state.orderStart)
            state.orderStart = 0
        }
    }
}
