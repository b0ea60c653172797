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

    private var nextNumber: UInt16 = 0
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
    }

    /// kbit/s of what is not layered video, over the last two seconds.
    func otherKbps(now: Duration) -> Double { other.cumulativeKbps(now: now).first ?? 0 }

    /// The receiver's feedback: the new estimate in bits/s.
    func feedback(_ feedback: RTCPTransportFeedback, now: Duration) -> Int {
        var estimator = estimator ?? SendSideBandwidthEstimator(limits: Self.limits, start: Self.startEstimate)
        estimator.feedbackReceived(feedback, now: now)
        self.estimator = estimator
        return estimator.target
    }

    /// Whether the receiver's `RTCPDownlinkReport` is due (and, if so, counts it sent).
    func reportDue(now: Duration) -> Bool {
        if let lastReport, now - lastReport < Self.reportInterval { return false }
        lastReport = now
        return true
    }
}
