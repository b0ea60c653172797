import TrtcRTP

/// The server as the receiver of one publisher's uplink (issue 12 §5): losses between the publisher and the server
/// are repaired on that hop, by the server, before any receiver notices. From the publisher's RTP as it arrives it
/// decides which video packets to ask for again (RFC 4585 generic NACK), a second time half a round trip after the
/// first (a lost request or answer then costs half a round trip, not one: trtcd's receivers do the same), then
/// once per round trip, at most `maximumRequests` times each; what cannot be repaired ends in one key-frame request.
/// It also keeps RFC 3550 reception statistics of the video and audio streams for a receiver report every `reportInterval`.
///
/// A value without I/O: calls return the actions to take; `now` is a monotonic time passed in.
struct UplinkRepair {
    /// Receiver reports for video every second (RTT and loss known quickly; research note "network-quality").
    static let reportInterval = Duration.seconds(1)
    /// Requests per missing packet; trtcd resends a packet as often (`RTPRetransmissionHistory`).
    static let maximumRequests = 5
    /// A larger jump of the sequence number, or a packet this far behind the newest, is not worth repairing (it is
    /// older than a frame or two at any rate the server carries): a key frame is asked for instead.
    static let maximumGap: UInt16 = 256
    /// Nor is a gap that opened over a silence this long (an outage): those packets would come too late to show,
    /// and asking for all of them at once would only add a burst to a path that just came back.
    static let maximumRepairAge = Duration.milliseconds(500)
    /// Round trip assumed before the first measurement, and the bounds of the estimate.
    static let initialRoundTrip = Duration.milliseconds(100)
    static let minimumRetry = Duration.milliseconds(20)
    static let maximumRoundTrip = Duration.seconds(1)
    /// The sender SSRC of the server's own reports and requests.
    static let serverSSRC = ServerFeedbackSSRC.value

    enum Action: Equatable {
        /// Ask the publisher for these video packets (oldest first).
        case nack([UInt16])
        /// Packets were given up: the publisher's next key frame is the way back.
        case keyframeRequest
        /// A receiver report with these blocks (video, audio) is due.
        case report([RTCPReportBlock])
    }

    struct Counters: Equatable {
        /// Packets asked for and then received.
        var repaired = 0
        /// Packets asked for (or skipped by a jump too large to ask for) that never came.
        var unrepaired = 0
    }

    /// Smoothed round trip to the publisher, from the time between a packet's first request and its arrival when
    /// that answer cannot be to a later request (Karn: it came before a round trip could have passed since the
    /// second request).
    private(set) var roundTrip = UplinkRepair.initialRoundTrip
    private(set) var counters = Counters()
    private var videoSsrc: UInt32?
    private var highest: UInt16?
    /// When the newest video packet arrived.
    private var lastArrival: Duration?
    private var missing: [UInt16: (firstAsked: Duration?, lastAsked: Duration?, requests: Int)] = [:]
    private var video: RTPReceptionStatistics?
    private var audio: RTPReceptionStatistics?
    private var nextReport: Duration?

    /// How long to wait for an answer before asking again: a round trip and a fifth (the samples already include the
    /// publisher's pacing of the answer; the fifth is for their spread), never less than `minimumRetry`.
    var retryInterval: Duration { max(Self.minimumRetry, roundTrip * 1.2) }

    /// The wait after the `requests`-th request: half a round trip after the first, `retryInterval` after later ones.
    func retryInterval(after requests: Int) -> Duration {
        requests == 1 ? max(Self.minimumRetry, roundTrip / 2) : retryInterval
    }

    /// Whether `sequence` of the video is being asked for now (a receiver's NACK for it then needs no forwarding:
    /// the packet reaches everyone when it arrives).
    func isRepairing(_ sequence: UInt16) -> Bool {
        missing[sequence] != nil
    }

    mutating func videoPacket(ssrc: UInt32, sequence: UInt16, timestamp: UInt32, now: Duration) -> [Action] {
        if videoSsrc != ssrc {
            // A new stream (the member entered again): its numbers start over.
            videoSsrc = ssrc
            video = RTPReceptionStatistics(ssrc: ssrc, clockRate: 90_000)
            highest = nil
            lastArrival = nil
            missing = [:]
        }
        video!.record(sequenceNumber: sequence, rtpTimestamp: timestamp, arrival: now)
        nextReport = nextReport ?? now + Self.reportInterval
        if let asked = missing.removeValue(forKey: sequence) {
            counters.repaired += 1
            if let first = asked.firstAsked, let last = asked.lastAsked, asked.requests == 1 || (asked.requests == 2 && now - last < roundTrip / 2) {
                noteRoundTrip(now - first)
            }
            return []
        }
        guard let previous = highest, let silence = lastArrival.map({ now - $0 }) else {
            highest = sequence
            lastArrival = now
            return []
        }
        let ahead = sequence &- previous
        guard ahead >= 1, ahead < 0x8000 else { return [] }  // late (not asked for) or a duplicate
        highest = sequence
        lastArrival = now
        var actions: [Action] = []
        if ahead > Self.maximumGap || (ahead > 1 && silence > Self.maximumRepairAge) {
            counters.unrepaired += missing.count + Int(ahead) - 1
            missing = [:]
            return [.keyframeRequest]
        }
        for offset in 1..<ahead { missing[previous &+ offset] = (nil, nil, 0) }
        if !missing.isEmpty { actions = due(now: now) }
        return actions
    }

    mutating func audioPacket(ssrc: UInt32, sequence: UInt16, timestamp: UInt32, now: Duration) {
        if audio?.ssrc != ssrc { audio = RTPReceptionStatistics(ssrc: ssrc, clockRate: 48_000) }
        audio!.record(sequenceNumber: sequence, rtpTimestamp: timestamp, arrival: now)
        nextReport = nextReport ?? now + Self.reportInterval
    }

    /// The publisher's sender report, so the next receiver report carries LSR/DLSR and the publisher learns its RTT.
    mutating func senderReport(_ report: RTCPSenderReport, now: Duration) {
        if report.ssrc == video?.ssrc { video!.recordSenderReport(report, arrival: now) }
        if report.ssrc == audio?.ssrc { audio!.recordSenderReport(report, arrival: now) }
    }

    /// Called periodically: requests due again, and the receiver report when it is time.
    mutating func tick(now: Duration) -> [Action] {
        var actions = missing.isEmpty ? [] : due(now: now)
        if let next = nextReport, now >= next {
            nextReport = max(next + Self.reportInterval, now)
            let blocks = [video?.reportBlock(now: now), audio?.reportBlock(now: now)].compactMap { $0 }
            if !blocks.isEmpty { actions.append(.report(blocks)) }
        }
        return actions
    }

    /// The missing packets to ask for now; gives up those asked for too often or fallen too far behind.
    private mutating func due(now: Duration) -> [Action] {
        guard let newest = highest else { return [] }
        var numbers: [UInt16] = []
        var gaveUp = false
        for (sequence, state) in missing {
            let wait = retryInterval(after: state.requests)
            if newest &- sequence > Self.maximumGap || (state.requests >= Self.maximumRequests && now - state.lastAsked! >= wait) {
                missing.removeValue(forKey: sequence)
                counters.unrepaired += 1
                gaveUp = true
            } else if state.requests < Self.maximumRequests, state.lastAsked.map({ now - $0 >= wait }) ?? true {
                missing[sequence] = (state.firstAsked ?? now, now, state.requests + 1)
                numbers.append(sequence)
            }
        }
        var actions: [Action] = []
        if !numbers.isEmpty {
            // Oldest first, and at most what one NACK of the server's carries; the rest on the next tick.
            numbers.sort { newest &- $0 > newest &- $1 }
            for number in numbers.dropFirst(FeedbackBudget.maxNACKNumbers) {
                missing[number]!.requests -= 1
                missing[number]!.lastAsked = nil
                if missing[number]!.requests == 0 { missing[number]!.firstAsked = nil }
            }
            actions.append(.nack(Array(numbers.prefix(FeedbackBudget.maxNACKNumbers))))
        }
        if gaveUp { actions.append(.keyframeRequest) }
        return actions
    }

    private mutating func noteRoundTrip(_ sample: Duration) {
        let bounded = min(max(sample, .milliseconds(1)), Self.maximumRoundTrip)
        roundTrip = (roundTrip * 7 + bounded) / 8
    }
}

/// One publisher's `UplinkRepair`, by reference so the routing table's copies of a route share it. Media loop only.
final class UplinkFeedback {
    var repair = UplinkRepair()
    /// Arrival times of the publisher's transport-wide sequence numbers, for its bandwidth estimator.
    var transportFeedback = TransportFeedbackGenerator()
    /// In the routing table's set of sessions the periodic tick visits.
    var isRegistered = false
    /// When the server last told the publisher the most its video may use (`MediaDatagramHandler.limitPublisher`).
    var lastVideoLimit: Duration?
    /// When the server last asked the publisher for lost packets (its uplink loses, or its queue overflows).
    var lastLoss: Duration?
}
