import TrtcRTP

/// The server as the sender of one receiver's downlink (issue 14 §3; docs/congestion-control.md, "Downlinks"): every
/// RTP packet sent to the receiver carries the server's own transport-wide sequence number (over the publisher's, one
/// counter per receiver), the receiver's transport-wide feedback drives the same `SendSideBandwidthEstimator` trtcd
/// runs for its uplink, and `DownlinkLayerAllocator` turns the estimate into each video stream's temporal layer.
/// Media loop only.
final class DownlinkEstimation {
    /// Bits per second: the floor leaves audio and the base layer alone; the ceiling only bounds what is reported.
    static let limits = SendSideBandwidthEstimator.Limits(minimum: 50_000, maximum: 50_000_000)
    /// High, so every receiver starts with every layer: a slower link is found by the first backoff (0.85 × what
    /// arrived), and a spurious one on a fast link (a loaded receiver) costs 15 % of this, not a layer.
    static let startEstimate = 3_000_000
    /// IPv4 + UDP headers per datagram, counted like trtcd counts its own.
    static let datagramOverhead = 28
    /// Layer rates are measured on the plain RTP as it arrives; each copy also has its SRTP tag and IP/UDP headers.
    static let wireOverhead = 1.04
    /// How often the receiver is told its estimate and layers (`RTCPDownlinkReport`).
    static let reportInterval = Duration.seconds(1)

    /// The packets that arrived over the last half second arrived at less than this share of the rate they
    /// were sent at (each over its own span: the same packets, so a key frame's burst or a slow receiver's late reads
    /// do not count): the link is the limit, whatever the delay-based estimate says yet. Its trendline needs about a
    /// second of a growing queue to see overuse when a receiver starts; the delivered rate shows a narrow link after
    /// a few feedbacks.
    static let deliveredShortfall = 0.8
    /// The rate sent is measured over this window (the estimator's acknowledged rate uses the same).
    static let sentWindow = Duration.milliseconds(500)
    /// A shortfall counts when it lasted this long (a key frame's burst is sent at once and acknowledged a feedback
    /// later: a dip of one or two feedbacks is no narrow link).
    static let shortfallDuration = Duration.milliseconds(150)

    private var nextNumber: UInt16 = 0
    /// Every RTP packet sent to the receiver over the last `sentWindow`: (time, bytes on the wire).
    private var recentlySent: [(time: Duration, bytes: Int)] = []
    private var recentlySentHead = 0
    private var recentlySentBytes = 0
    /// What the receiver's downlink is taken to carry now (kbit/s), nil before its first feedback: the estimate, or
    /// the acknowledged rate when that fell well short of what was sent.
    private(set) var budgetKbps: Double?
    /// Since when the acknowledged rate has fallen short of what was sent.
    private var shortfallSince: Duration?
    /// What a shortfall showed the link carries (kbit/s), until the estimate is lower: it grows like the estimator's
    /// increase (8 %/s, at most 1.5 × the acknowledged rate + 10 kbit/s), since the delay-based estimate may never
    /// have seen the queue that the cut emptied.
    private var deliveredCap: Double?
    /// The packets the feedback says arrived within the last `sentWindow` of arrivals: (sent, arrival, size).
    private var results: [SendSideBandwidthEstimator.PacketResult] = []
    private var lastFeedback: Duration?
    /// From the receiver's first transport feedback on: a receiver that sends none (a browser without transport-cc)
    /// keeps the loss rule alone, and costs no send history.
    private(set) var estimator: SendSideBandwidthEstimator?
    var allocator = DownlinkLayerAllocator()
    /// What the receiver is sent besides the first copies of layered video (audio, retransmissions, video without
    /// layers), on the wire (bucket 0 only).
    private var other = TemporalLayerRates()
    private var lastReport: Duration?

    /// The number the next RTP packet to this receiver carries.
    var number: UInt16 { nextNumber }

    /// An RTP packet of `size` bytes (protected) left for the receiver; `numbered`: it carries `number`.
    func sent(numbered: Bool, size: Int, layered: Bool, now: Duration) {
        if numbered {
            estimator?.packetSent(nextNumber, size: size + Self.datagramOverhead, at: now)
            nextNumber &+= 1
        }
        if !layered { other.add(layer: 0, bytes: size + Self.datagramOverhead, now: now) }
        recentlySent.append((now, size + Self.datagramOverhead))
        recentlySentBytes += size + Self.datagramOverhead
        pruneSent(now: now)
    }

    /// kbit/s sent to the receiver over the last `sentWindow`.
    func sentKbps(now: Duration) -> Double {
        pruneSent(now: now)
        return Double(recentlySentBytes) * 8 / 1000 / (Self.sentWindow / .seconds(1))
    }

    /// Whether a retransmission may go now: only while the receiver is sent less than its budget, or than 1.1 × what
    /// its feedback says arrives (an estimate that undershot must not stop repair of a link that delivers everything),
    /// as libwebrtc's pacer would hold it. Resending what a narrow link dropped at the rate it was asked for (hundreds of
    /// packets a second: 2 Mbit/s toward a 300 kbit/s link in TemporalLayerDaemonTests) only fills its queue again.
    func admitsRetransmission(now: Duration) -> Bool {
        guard let budgetKbps else { return true }
        let delivered = Double(estimator?.acknowledged ?? 0) / 1000
        return sentKbps(now: now) < max(budgetKbps, 1.1 * delivered)
    }

    private func pruneSent(now: Duration) {
        while recentlySentHead < recentlySent.count, now - recentlySent[recentlySentHead].time > Self.sentWindow {
            recentlySentBytes -= recentlySent[recentlySentHead].bytes
            recentlySentHead += 1
        }
        if recentlySentHead > 256 {
            recentlySent.removeFirst(recentlySentHead)
            recentlySentHead = 0
        }
    }

    /// kbit/s of what is not layered video, over the last two seconds.
    func otherKbps(now: Duration) -> Double { other.cumulativeKbps(now: now).first ?? 0 }

    /// The receiver's feedback: returns the new `budgetKbps`.
    func feedback(_ feedback: RTCPTransportFeedback, now: Duration) -> Double {
        var estimator = estimator ?? SendSideBandwidthEstimator(limits: Self.limits, start: Self.startEstimate)
        // Received packets only: loss is the loss-based controller's; here the question is only whether what arrives
        // arrives as fast as it was sent (arrivals are the receiver's clock, so they are compared among themselves).
        results += estimator.feedbackReceived(feedback, now: now).filter { $0.arrival != nil }
        self.estimator = estimator
        if let newestArrival = results.compactMap(\.arrival).max() {
            results.removeAll { newestArrival - $0.arrival! > Self.sentWindow }
        }
        let estimate = Double(estimator.target) / 1000
        let elapsed = lastFeedback.map { min(max((now - $0) / .seconds(1), 0), 1) } ?? 0
        lastFeedback = now
        if let (delivered, sentAt) = deliveredAndSentKbps() {
            if delivered < Self.deliveredShortfall * sentAt {
                let since = shortfallSince ?? now
                shortfallSince = since
                if now - since >= Self.shortfallDuration { deliveredCap = min(deliveredCap ?? delivered, delivered) }
            } else {
                shortfallSince = nil
                if let cap = deliveredCap {
                    deliveredCap = max(cap, min(cap * (1 + 0.08 * elapsed), 1.5 * delivered + 10))
                }
            }
        }
        if let cap = deliveredCap, cap >= estimate { deliveredCap = nil }
        let budget = min(estimate, deliveredCap ?? estimate)
        budgetKbps = budget
        return budget
    }

    /// Over the packets that arrived lately: kbit/s over their arrivals' span and kbit/s over their sends' span; nil
    /// while either span is under 100 ms.
    private func deliveredAndSentKbps() -> (delivered: Double, sent: Double)? {
        let arrived = results.compactMap { result in result.arrival.map { ($0, result.size) } }
        guard let firstArrival = arrived.map(\.0).min(), let lastArrival = arrived.map(\.0).max(),
              let firstSent = results.map(\.sent).min(), let lastSent = results.map(\.sent).max(),
              lastArrival - firstArrival >= .milliseconds(100), lastSent - firstSent >= .milliseconds(100) else { return nil }
        let delivered = Double(arrived.reduce(0) { $0 + $1.1 }) * 8 / 1000 / ((lastArrival - firstArrival) / .seconds(1))
        let sent = Double(results.reduce(0) { $0 + $1.size }) * 8 / 1000 / ((lastSent - firstSent) / .seconds(1))
        return (delivered, sent)
    }

    /// Whether the receiver's `RTCPDownlinkReport` is due (and, if so, counts it sent).
    func reportDue(now: Duration) -> Bool {
        if let lastReport, now - lastReport < Self.reportInterval { return false }
        lastReport = now
        return true
    }
}
