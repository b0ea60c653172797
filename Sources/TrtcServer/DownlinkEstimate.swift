import TrtcRTP

/// One receiver's downlink as its transport-wide feedback shows it (issue 14 §3; docs/congestion-control.md, "The
/// downlink's own estimate"). The server numbers every RTP packet it sends the receiver with a counter of its own,
/// written over the publisher's number (`TransportWideSequenceNumber.overwrite`); the receiver's feedback about those
/// numbers drives the `SendSideBandwidthEstimator` trtcd runs for its uplink. Its one-way queue delay is the
/// downlink's alone — a round trip also crosses the receiver's uplink, which a shared link fills with the publisher's
/// own queue — and its target is what the downlink carries. Owned by `DownlinkLayers` (media loop only).
struct DownlinkEstimate {
    /// Bits per second. It starts at the ceiling: a downlink is taken to carry anything until its queue grows
    /// (the first overuse backs off to 0.85 × what arrived), so a fast receiver never holds anyone back.
    static let limits = SendSideBandwidthEstimator.Limits(minimum: 50_000, maximum: 50_000_000)
    /// IPv4 + UDP headers per datagram, counted as trtcd counts its own.
    static let datagramOverhead = 28
    /// Feedback older than this says nothing about the downlink now (the receiver stopped sending it).
    static let freshness = Duration.seconds(1)
    /// A queue at least `standingQueue` long for `standingFor` is the link filling (a stall of the receiver's thread
    /// or one burst lasts a feedback or two).
    static let standingQueue = Duration.milliseconds(60)
    static let standingFor = Duration.milliseconds(300)
    /// A feedback naming more packets is refused: the estimator keeps at most 4096 sent packets, trtcd reports every
    /// 50 ms (a few dozen), and one 1500-byte feedback can name 65535 (run-length chunks) — each a lookup on the media
    /// loop.
    static let maximumStatuses = 2048

    private var estimator = SendSideBandwidthEstimator(limits: Self.limits)
    /// The number the next packet numbered for this receiver carries.
    private(set) var nextNumber: UInt16 = 0
    private var lastFeedback: Duration?
    /// Since when every feedback showed at least `standingQueue`.
    private var queuedSince: Duration?

    /// A packet was numbered `nextNumber` (it may still wait in the pacer).
    mutating func numbered() { nextNumber &+= 1 }

    /// The packet numbered `number` left for the receiver at `now`, `bytes` long (protected). One never sent (dropped
    /// from the pacer) is never named here, so its absence from the feedback counts as nothing.
    mutating func left(number: UInt16, bytes: Int, now: Duration) {
        estimator.packetSent(number, size: bytes + Self.datagramOverhead, at: now)
    }

    /// The receiver's transport-wide feedback, taken at `now`; `roundTrip` when one is known (the estimator's
    /// increase near a backoff is a packet per round trip).
    mutating func feedback(_ feedback: RTCPTransportFeedback, roundTrip: Duration?, now: Duration) {
        if let roundTrip { estimator.roundTrip = roundTrip }
        _ = estimator.feedbackReceived(feedback, now: now)
        lastFeedback = now
        queuedSince = estimator.queueDelay >= Self.standingQueue ? queuedSince ?? now : nil
    }

    private func isFresh(_ now: Duration) -> Bool { lastFeedback.map { now - $0 < Self.freshness } ?? false }

    /// The queue the newest feedback's packets waited in on the downlink, nil without fresh feedback.
    func queueDelay(now: Duration) -> Duration? { isFresh(now) ? estimator.queueDelay : nil }

    /// Whether the downlink's queue has stood for `standingFor` up to the newest (fresh) feedback.
    func hasStandingQueue(now: Duration) -> Bool {
        guard isFresh(now), let queuedSince, let lastFeedback else { return false }
        return lastFeedback - queuedSince >= Self.standingFor
    }

    /// What the downlink carries (kbit/s, packet overhead included), nil without fresh feedback.
    func targetKbps(now: Duration) -> Double? { isFresh(now) ? Double(estimator.target) / 1000 : nil }
}
