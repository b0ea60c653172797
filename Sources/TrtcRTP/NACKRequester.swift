/// A receiver's side of retransmission (RFC 4585 generic NACK) for one RTP stream: which missing sequence numbers to
/// ask the sender for, when to ask again, and when to give up (modelled on libwebrtc's `nack_requester.cc` and
/// mediasoup's `NackGenerator`).
///
/// A gap is asked for as soon as the packet after it arrives, a second time half a round trip later, then once per
/// round trip while still missing, at most `maximumRequests` times. The early second request is the cheap insurance
/// against the first request or its answer being lost: without it that costs a whole round trip more, and at 5 % loss
/// on each hop one repair in ten needs it; with it the duplicate answer costs a packet per repair. A number missing
/// for longer than `maximumAge`, or asked for that often, is given up: the caller learns which (`Update.givenUp`)
/// and decides whether a key frame is needed. A gap that spans more than `maximumAge` of media (an outage) or that
/// would make more than `maximumMissing` numbers outstanding is not asked for at all: `Update.keyframeNeeded` says so, as repairing it would show pictures older than a new key frame.
///
/// Sequence numbers are extended across wrap-around. Time is whatever monotonic clock the caller reads, as `now`.
public struct NACKRequester: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// Requests per missing packet before it is given up (libwebrtc used 10; mediasoup uses 10).
        public var maximumRequests = 10
        /// A packet missing longer than this is given up, and a gap spanning more media time is not asked for.
        public var maximumAge: Duration = .seconds(1)
        /// Outstanding numbers at most (the server caches 512 packets per stream; asking for more is pointless).
        public var maximumMissing = 500
        /// Requests for one number are at least this far apart, however short the round trip.
        public var minimumRetryInterval: Duration = .milliseconds(20)
        /// The second request for a number goes this share of a round trip after the first (1: no early repeat).
        public var secondRequestAfter = 0.5
        /// The round trip assumed until one is measured (libwebrtc's default).
        public var defaultRoundTrip: Duration = .milliseconds(100)
        /// The stream's RTP clock, to tell how much media time a gap spans.
        public var clockRate = 90_000

        public init() {}
    }

    /// What a packet or the passing of time changed.
    public struct Update: Sendable, Equatable {
        /// Numbers to ask for now, oldest first (a first request or a retry).
        public var due: [UInt16] = []
        /// Numbers given up just now (asked for too often, missing too long, or dropped with an oversized list).
        public var givenUp: [UInt16] = []
        /// A gap too long to repair, or too many numbers missing: ask for a key frame instead.
        public var keyframeNeeded = false

        public init() {}
    }

    /// Cumulative counts, for statistics.
    public struct Counters: Sendable, Equatable {
        /// Sequence numbers asked for, repeats included.
        public var requests = 0
        /// Of those, repeats (a number asked for again after a round trip without an answer).
        public var retries = 0
        /// Missing numbers that arrived after being asked for (repaired by a retransmission).
        public var repaired = 0
        /// Numbers given up.
        public var givenUp = 0

        public init() {}
    }

    private struct Missing: Sendable {
        var detected: Duration
        var lastAsked: Duration?
        var requests = 0
    }

    public let configuration: Configuration
    public private(set) var counters = Counters()
    private var highest: Int64?
    private var highestTimestamp: UInt32 = 0
    private var missing: [Int64: Missing] = [:]

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The newest sequence number seen, extended.
    public var highestSequence: Int64? { highest }

    /// Numbers currently missing and not given up.
    public var outstanding: Int { missing.count }

    /// The extended form of `sequenceNumber` relative to the newest seen (nil before the first packet).
    public func extended(_ sequenceNumber: UInt16) -> Int64? {
        guard let highest else { return nil }
        return highest + Int64(Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: highest)))
    }

    /// Notes a packet that arrived at `now`. `wasRequested` is true when it had been asked for (a retransmission);
    /// `requests` says how often (more than once: a request or its answer was lost, a round trip each).
    public mutating func packetArrived(sequenceNumber: UInt16, rtpTimestamp: UInt32, now: Duration,
                                       roundTrip: Duration?) -> (update: Update, wasRequested: Bool, requests: Int) {
        guard let highest, let number = extended(sequenceNumber) else {
            self.highest = Int64(sequenceNumber)
            highestTimestamp = rtpTimestamp
            return (Update(), false, 0)
        }
        if number <= highest {
            // Late, reordered, duplicate or retransmitted: it only fills its gap.
            guard let entry = missing.removeValue(forKey: number) else { return (Update(), false, 0) }
            if entry.requests > 0 { counters.repaired += 1 }
            return (Update(), entry.requests > 0, entry.requests)
        }
        var update = Update()
        let gap = number - highest - 1
        if gap > 0 {
            let span = Duration.seconds(Double(rtpTimestamp &- highestTimestamp) / Double(configuration.clockRate))
            if span > configuration.maximumAge || gap + Int64(missing.count) > Int64(configuration.maximumMissing) {
                // Older than anything worth repairing, or too much: a key frame replaces it all.
                update.keyframeNeeded = true
                update.givenUp = missing.keys.sorted().map { UInt16(truncatingIfNeeded: $0) }
                counters.givenUp += missing.count + Int(gap)
                missing.removeAll()
            } else {
                for lost in (highest + 1)..<number { missing[lost] = Missing(detected: now) }
            }
        }
        self.highest = number
        highestTimestamp = rtpTimestamp
        let polled = poll(now: now, roundTrip: roundTrip)
        update.due = polled.due
        update.givenUp += polled.givenUp
        return (update, false, 0)
    }

    /// Retries that are due and numbers to give up at `now` (call it when `nextDeadline` passes).
    public mutating func poll(now: Duration, roundTrip: Duration?) -> Update {
        var update = Update()
        guard !missing.isEmpty else { return update }
        var givenUp: [Int64] = []
        var due: [Int64] = []
        for (number, entry) in missing {
            if now - entry.detected >= configuration.maximumAge {
                givenUp.append(number)
            } else if entry.lastAsked.map({ now - $0 >= retryInterval(roundTrip, after: entry.requests) }) ?? true {
                if entry.requests >= configuration.maximumRequests {
                    givenUp.append(number)
                } else {
                    due.append(number)
                }
            }
        }
        for number in givenUp { missing.removeValue(forKey: number) }
        for number in due {
            if missing[number]!.requests > 0 { counters.retries += 1 }
            missing[number]!.requests += 1
            missing[number]!.lastAsked = now
        }
        counters.requests += due.count
        counters.givenUp += givenUp.count
        update.due = due.sorted().map { UInt16(truncatingIfNeeded: $0) }
        update.givenUp = givenUp.sorted().map { UInt16(truncatingIfNeeded: $0) }
        return update
    }

    /// When `poll` has something to do next (a retry or a give-up), nil when nothing is missing.
    public func nextDeadline(roundTrip: Duration?) -> Duration? {
        missing.values.map { entry in
            let giveUp = entry.detected + configuration.maximumAge
            guard let asked = entry.lastAsked else { return entry.detected }
            return min(giveUp, asked + retryInterval(roundTrip, after: entry.requests))
        }.min()
    }

    /// Numbers before `sequenceNumber` are no longer wanted (a key frame starts there, or later frames were shown).
    public mutating func forget(before sequenceNumber: UInt16) {
        guard let limit = extended(sequenceNumber) else { return }
        missing = missing.filter { $0.key >= limit }
    }

    /// Whether `sequenceNumber` is missing and still being asked for.
    public func isMissing(_ sequenceNumber: UInt16) -> Bool {
        extended(sequenceNumber).map { missing[$0] != nil } ?? false
    }

    /// The stream started over (new SSRC): forget its sequence numbers (the counters stay).
    public mutating func reset() {
        highest = nil
        missing = [:]
    }

    /// Once per round trip, not more often than `minimumRetryInterval`.
    public func retryInterval(_ roundTrip: Duration?) -> Duration {
        max(configuration.minimumRetryInterval, roundTrip ?? configuration.defaultRoundTrip)
    }

    /// The round of repair a packet that came after `requests` requests was answered in: the first two requests
    /// (half a round trip apart) are the first round, each later one a round more (0: never asked for).
    public func repairRound(afterRequests requests: Int) -> Int {
        guard requests > 0 else { return 0 }
        return configuration.secondRequestAfter < 1 ? max(1, requests - 1) : requests
    }

    /// The wait before asking again for a number asked for `requests` times: `secondRequestAfter` of the retry
    /// interval after the first request, the whole interval after later ones.
    func retryInterval(_ roundTrip: Duration?, after requests: Int) -> Duration {
        let interval = retryInterval(roundTrip)
        return requests == 1 ? max(configuration.minimumRetryInterval, interval * configuration.secondRequestAfter) : interval
    }
}
