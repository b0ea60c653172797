import NIOCore
import TrtcRTP

/// One receiver's temporal-layer forwarding of each video stream it gets (issue 14 §3): per stream a
/// `VP8LayerForwarder` (which frames go, renumbered) and a `TemporalLayerPolicy` (which layer fits the receiver's
/// downlink, from its receiver reports and NACKs), and the receiver's `DownlinkPacer` while any of its streams is
/// limited. Media loop only.
final class DownlinkLayers {
    /// Besides its limited streams' estimates, the pacer lets through this much for audio and RTCP.
    static let pacedAllowanceKbps = 40.0
    /// After the last packet of a key frame should have reached a paced receiver, how long its key-frame requests
    /// are still taken as asking for that one (its request crossing the key frame in flight, its decoder catching up).
    static let keyframeArrivalGrace = Duration.milliseconds(300)
    /// A limited stream is paced at first at this share of what its link delivered when its layer was cut (that
    /// counts repaired packets as delivered, and audio shared the link), then by the loss while paced: above
    /// `pacedLossDecrease` ×0.85, below `pacedLossIncrease` ×1.03 per report, never above the delivered rate.
    static let pacedShareOfDelivered = 0.9
    static let pacedLossDecrease = 0.05
    static let pacedLossIncrease = 0.02
    /// Raised faster (×1.1) while more than this waits in the pacer and nothing is lost.
    static let pacedQueueDelayIncrease = Duration.milliseconds(300)
    /// While a limited receiver gets the whole stream without loss, the rate may grow past what its link delivered
    /// at the cut, up to this multiple of what it was sent (a link is only known to carry what went through it).
    static let pacedGrowthOverSent = 1.5
    /// The share of the layer policy's estimate a publisher's limit stays under (`videoLimitKbps`).
    static let publisherLimitSlack = 0.95
    static let senderReportsKept = 8
    /// While a limited receiver gets the whole stream, its round trip over the smallest of the last
    /// `baseRoundTripWindow` says how much waits in its link's queue: above `queueDecrease` the rate is lowered as on
    /// loss (a drop-tail queue fills long before it drops, and loss alone kept a 300 kbit/s link's 300 ms queue full:
    /// trtc-bench narrow300, 7 freezes/min, 319–367 ms round trips), it grows only below `queueIncrease`, and loss
    /// lowers it only with at least that much queue (without, the loss is the link's own).
    static let queueDecrease = Duration.milliseconds(60)
    static let queueIncrease = Duration.milliseconds(25)
    static let baseRoundTripWindow = Duration.seconds(30)
    /// Bytes on the wire per byte of RTP (SRTP tag, IP and UDP headers at ~1 KB packets): between the downlink
    /// estimate, which counts them, and a video limit, which does not.
    static let wireOverhead = 1.05
    /// The receiver's downlink as its transport-wide feedback shows it; nil for a member that gets no numbers (a
    /// browser that did not offer the extension): its round trips alone then say what waits in its queue.
    var estimate: DownlinkEstimate?
    /// A queue was measured (one way or as a round trip): the pacing rate then falls only for a queue, and the
    /// publisher's limit needs no floor from the cut (`videoLimitKbps`).
    private var queueMeasured = false
    /// Round trips measured from this receiver's reports (any stream), for the smallest of the window.
    private var roundTrips: [(at: Duration, value: Duration)] = []
    /// The newest round trip's excess over the smallest of the window; nil before any, or when the newest report
    /// named no SR forwarded here.
    private(set) var queueDelay: Duration?
    /// The rate the limited streams are paced at (kbit/s), nil while none is limited.
    private(set) var pacingKbps: Double?
    private var pacerDroppedAtReport = 0
    /// The rate at the last backoff for a queue or loss while the receiver got the whole stream: where its link was
    /// full (growth near it is slow).
    private var backedOffAtKbps: Double?
    private var reportsSincePacingStarted = 0

    struct Stream {
        var forwarder = VP8LayerForwarder(targetLayer: 3)
        var policy: TemporalLayerPolicy?
        /// Bytes forwarded since the receiver's last report about this stream (first copies: the rate its link
        /// delivered), and packets (resends too: the NACK share's denominator, as before pacing — without them the
        /// share read higher by the resends' share on a link with 10 % random loss, and probably a 1 s burst above 25 %
        /// twice in a row then cut an unlimited viewer to layer 0: trtc-bench network loss10, 1 run of 3 at 17 fps).
        var bytesSinceReport = 0
        var packetsSinceReport = 0
        /// Numbers the receiver NACKed for the first time since its last report, and the newest it NACKed.
        var nackedSinceReport = 0
        var newestNACKed: UInt16?
        var lastReport: Duration?
        /// What was forwarded between the last two reports (kbit/s).
        var sentKbps = 0.0
        /// The publisher's last sender reports forwarded to this receiver: their compact NTP time (what its report
        /// blocks echo as LSR) and when each should have left its pacer.
        var senderReports: [(compact: UInt32, left: Duration)] = []
        /// When the last packet forwarded of the newest key frame leaves this receiver's pacer (when it was
        /// forwarded, unpaced): until then, and `keyframeArrivalGrace` after, a request for a key frame is for it.
        var keyframeLeavesPacer: Duration?
    }

    private(set) var streams: [UInt32: Stream] = [:]
    /// Everything sent to this receiver leaves through it (`MediaDatagramHandler.emit`).
    var pacer = DownlinkPacer<PacedDatagram>()

    /// The decision for one packet of the stream `ssrc` (`packet`: the whole RTP packet).
    /// `isRetransmission`: an answer to a NACK, which the rate the policy learns from leaves out (counted, resends made
    /// a 300 kbit/s link look like one that carried 2 Mbit/s at 64 % loss, and the pacer ran at 650 kbit/s).
    func forward(ssrc: UInt32, sequenceNumber: UInt16, payload: UnsafeRawBufferPointer, bytes: Int,
                 isRetransmission: Bool, now: Duration) -> VP8LayerForwarder.Decision {
        let decision = streams[ssrc, default: Stream()].forwarder.forward(sequenceNumber: sequenceNumber, payload: payload)
        guard case .forward = decision else { return decision }
        streams[ssrc]?.packetsSinceReport += 1
        if !isRetransmission {
            streams[ssrc]?.bytesSinceReport += bytes
            if streams[ssrc]!.forwarder.lastForwardedWasKeyframe {
                streams[ssrc]?.keyframeLeavesPacer = now + pacer.queueDelay + pacer.transmissionTime(bytes: bytes)
            }
        }
        return decision
    }

    /// The publisher's sender report of `ssrc` was forwarded to this receiver at `now` (behind what waits in its pacer).
    func noteSenderReport(ssrc: UInt32, compact: UInt32, now: Duration) {
        guard streams[ssrc] != nil else { return }
        streams[ssrc]!.senderReports.append((compact, now + pacer.queueDelay))
        if streams[ssrc]!.senderReports.count > Self.senderReportsKept { streams[ssrc]!.senderReports.removeFirst() }
    }

    /// The round trip server → receiver → server of a report block (RFC 3550 §6.4.1: arrival − when the SR it names
    /// left − DLSR), nil when it names no SR forwarded here. The SR crosses the receiver's downlink, so a queue there
    /// shows in it as soon as the SR after it forms (trtcd sends one per second with video).
    func roundTrip(ssrc: UInt32, lastSenderReport: UInt32, delaySinceLastSenderReport: UInt32, now: Duration) -> Duration? {
        guard lastSenderReport != 0,
              let sent = streams[ssrc]?.senderReports.last(where: { $0.compact == lastSenderReport }) else { return nil }
        let roundTrip = now - sent.left - .microseconds(Int64(delaySinceLastSenderReport) * 1_000_000 / 65_536)
        return roundTrip >= .zero ? roundTrip : nil
    }

    /// The receiver NACKed `numbers` (its own numbering) of `ssrc`: numbers newer than any it asked for before are
    /// new losses. Receiver reports count a repaired packet as received, so under heavy repair their loss fraction
    /// says little; what the receiver had to ask for is the loss of its downlink.
    func noteNACK(ssrc: UInt32, _ numbers: [UInt16]) {
        guard var stream = streams[ssrc] else { return }
        for number in numbers {
            if let newest = stream.newestNACKed, Int16(bitPattern: number &- newest) <= 0 { continue }
            stream.newestNACKed = number
            stream.nackedSinceReport += 1
        }
        streams[ssrc] = stream
    }

    /// The publisher's sequence number of what this receiver got as `sequenceNumber` of `ssrc`.
    func publisherSequenceNumber(ssrc: UInt32, _ sequenceNumber: UInt16) -> UInt16? {
        guard let stream = streams[ssrc] else { return sequenceNumber }
        return stream.forwarder.publisherSequenceNumber(sequenceNumber)
    }

    /// Whether resending `asked` (the receiver's numbering) of `ssrc` helps a limited receiver: not while it awaits a
    /// key frame, nor for what came before the newest key frame it got — on a narrow link such a resend only delays
    /// the frames it can decode.
    func retransmissionHelps(ssrc: UInt32, asked: UInt16) -> Bool {
        guard isLimited, let forwarder = streams[ssrc]?.forwarder else { return true }
        if forwarder.awaitingKeyframe { return false }
        if let start = forwarder.keyframeStart, Int16(bitPattern: asked &- start) < 0 { return false }
        return true
    }

    /// A report block of this receiver about `ssrc`; `layerKbps`: the stream's cumulative layer rates. Returns the
    /// layer now wanted and the one before. While the policy limits the stream, it also sets the pacing rate.
    func report(ssrc: UInt32, fractionLost: UInt8, layerKbps: [Double], roundTrip: Duration? = nil,
                now: Duration) -> (before: UInt8, after: UInt8)? {
        guard var stream = streams[ssrc], layerKbps.count > 1 else { return nil }
        queueDelay = nil
        if let roundTrip {
            roundTrips.removeAll { now - $0.at > Self.baseRoundTripWindow }
            roundTrips.append((now, roundTrip))
            queueDelay = roundTrip - roundTrips.map(\.value).min()!
        }
        // The downlink's own queue, when its feedback tells it: a round trip also holds the receiver's uplink queue.
        if let oneWay = estimate?.queueDelay(now: now) { queueDelay = oneWay }
        if queueDelay != nil { queueMeasured = true }
        let topLayer = UInt8(layerKbps.count - 1)
        if stream.policy?.topLayer != topLayer { stream.policy = TemporalLayerPolicy(topLayer: topLayer) }
        let seconds = stream.lastReport.map { max((now - $0) / .seconds(1), 0.2) } ?? 1
        let sentKbps = Double(stream.bytesSinceReport) * 8 / 1000 / seconds
        let before = stream.forwarder.targetLayer
        let nackedFraction = Double(stream.nackedSinceReport) / Double(max(stream.packetsSinceReport, 1))
        let loss = min(max(Double(fractionLost) / 256, nackedFraction), 1)
        let deliveredBefore = stream.policy!.deliveredKbps
        let layer = stream.policy!.report(fractionLost: loss, sentKbps: sentKbps,
                                          layerKbps: layerKbps, now: now)
        let pacerDrops = pacer.dropped - pacerDroppedAtReport
        pacerDroppedAtReport = pacer.dropped
        if let delivered = stream.policy!.deliveredKbps {
            // The pacer never goes below what the layer chosen costs: below it the queue only grows (a cut's estimate
            // can be far too low when it counted the seconds a key frame was awaited and little was sent).
            let floor = layerKbps[Int(min(layer, topLayer))]
            if deliveredBefore == nil {
                // The link was found narrow: pace below what it delivered. What waits was sent for a link it
                // overflowed: the receiver needs a key frame now, and the stale video would only delay it.
                pacingKbps = max(delivered * Self.pacedShareOfDelivered, floor)
                reportsSincePacingStarted = 0
                stream.forwarder.awaitingKeyframe = true
                flushVideo(ssrc)
            } else if let rate = pacingKbps {
                reportsSincePacingStarted += 1
                if delivered > deliveredBefore! {
                    pacingKbps = max(rate, delivered * Self.pacedShareOfDelivered)  // a probe of the next layer
                } else if reportsSincePacingStarted > 1 {
                    // Loss the pacer did not cause means the rate is still above the link (the cut's estimate
                    // counts repaired packets as delivered); none means there may be room, more so while video
                    // waits. The first report after the cut still tells of the queue before it.
                    let linkLoss = max(loss - Double(pacerDrops) / Double(max(stream.packetsSinceReport, 1)), 0)
                    // The whole stream goes: the publisher is held to this receiver's limit, or its stream shrank.
                    let wholeStream = layer == topLayer
                    let queued = wholeStream ? queueDelay : nil
                    // With a round trip, loss without a queue is the link's own (random), not this rate's.
                    let congestedLoss = linkLoss > Self.pacedLossDecrease && queued.map { $0 >= Self.queueIncrease } != false
                    if congestedLoss || queued.map({ $0 > Self.queueDecrease }) == true {
                        pacingKbps = rate * 0.85
                        if wholeStream { backedOffAtKbps = rate }
                    } else if linkLoss < Self.pacedLossIncrease, !wholeStream || queued.map({ $0 < Self.queueIncrease }) == true {
                        let waits = pacer.queueDelay > Self.pacedQueueDelayIncrease
                        // Beyond what the link delivered at the cut only while it gets the whole stream and that
                        // fills the rate (a publisher held to this receiver's limit follows it up; a stream that
                        // merely shrank for a while does not test the link).
                        let tested = wholeStream ? sentKbps * Self.pacedGrowthOverSent : 0
                        // With no queue on its link (round trip), 8 % per report as goog_cc's increase far from
                        // where the last backoff found the link full, 3 % near it (within 20 %: the backoff itself
                        // is 15 %): a publisher held after a capacity drop gets back within seconds (3 % alone left
                        // trtc-bench steps' last phase at 61 % of the capacity), and one at a steady narrow link does
                        // not overshoot much (8 % alone doubled narrow300's glass-to-glass p50).
                        let nearBackoff = backedOffAtKbps.map { abs(rate / $0 - 1) < 0.2 } ?? false
                        let growth = queued != nil && !nearBackoff ? 1.08 : 1.03
                        pacingKbps = min(rate * (waits ? 1.1 : growth), max(delivered, rate, tested))
                    }
                    pacingKbps = max(pacingKbps!, floor)
                }
            }
        } else {
            pacingKbps = nil
            backedOffAtKbps = nil
        }
        stream.forwarder.targetLayer = layer == topLayer ? 3 : layer
        stream.bytesSinceReport = 0
        stream.packetsSinceReport = 0
        stream.nackedSinceReport = 0
        stream.lastReport = now
        stream.sentKbps = sentKbps
        streams[ssrc] = stream
        pacer.setRate(bitsPerSecond: pacingRateKbps().map { Int($0 * 1000) })
        return (min(before, topLayer), layer)
    }

    /// What the publisher of `ssrc` may send for this receiver (kbit/s of RTP), nil when nothing limits it here: its
    /// share of the pacing rate, never above what the layer policy would give the whole stream for (its estimate over
    /// its margin, less `publisherLimitSlack`: the pacing rate can sit at a layer's cost above it). Before any round
    /// trip is known, also never below `pacedShareOfDelivered` × the cut's delivered rate: the pacing rate then falls
    /// with loss of any cause, and a limit following it at 10 % random loss would spiral down (the whole stream's cost
    /// is the pacer's floor, and that cost follows the limit).
    func videoLimitKbps(ssrc: UInt32) -> Double? {
        guard let pacingKbps, let policy = streams[ssrc]?.policy, let delivered = policy.deliveredKbps,
              let estimate = policy.estimateKbps else { return nil }
        let limited = Double(max(streams.values.filter { $0.policy?.deliveredKbps != nil }.count, 1))
        // With a measured queue the pacing rate falls only for a queue (random loss holds it), and the cut's estimate
        // counted repaired packets as delivered: a floor from it held narrow300's queue full in 1 run of 3.
        let paced = queueMeasured ? pacingKbps / limited : max(pacingKbps / limited, delivered * Self.pacedShareOfDelivered)
        return min(paced, estimate * Self.publisherLimitSlack) / policy.configuration.margin
    }

    /// What the video of `ssrc` may take of this receiver's downlink estimate (kbit/s of RTP), nil without fresh
    /// transport-wide feedback: the estimate less `pacedAllowanceKbps` for audio and RTCP and less the wire's
    /// overhead, split among the video streams it gets as they were sent lately.
    func estimatedVideoLimitKbps(ssrc: UInt32, now: Duration) -> Double? {
        guard let target = estimate?.targetKbps(now: now), let stream = streams[ssrc] else { return nil }
        let total = streams.values.map(\.sentKbps).reduce(0, +)
        let share = total > 0 ? stream.sentKbps / total : 1 / Double(streams.count)
        return max(target - Self.pacedAllowanceKbps, 0) / Self.wireOverhead * share
    }

    /// The receiver's transport-wide feedback about what the server sent it (`estimate`'s input).
    func transportFeedback(_ feedback: RTCPTransportFeedback, now: Duration) {
        estimate?.feedback(feedback, roundTrip: roundTrips.last?.value, now: now)
    }

    /// Whether any stream's policy found this receiver's link narrow.
    var isLimited: Bool { streams.values.contains { $0.policy?.deliveredKbps != nil } }

    /// The pacer's rate while a stream is limited: the limited streams' pacing rate, what the other streams got
    /// lately, and an allowance for audio and RTCP; nil while none is limited.
    func pacingRateKbps() -> Double? {
        guard let pacingKbps else { return nil }
        let unlimited = streams.values.filter { $0.policy?.deliveredKbps == nil }.map(\.sentKbps)
        return pacingKbps + unlimited.reduce(0, +) + Self.pacedAllowanceKbps
    }

    /// Whether a key-frame request from this receiver for `ssrc` asks for more than the key frame already on its way:
    /// always while it is not paced (the publisher's own merge applies); while it is, not until the newest key frame
    /// forwarded to it should have arrived, plus `keyframeArrivalGrace`. A receiver behind a narrow link waits
    /// about a second for a key frame and asks again every ~200 ms meanwhile; each request passed on was a key frame
    /// of several frames' worth for everyone in the room and one more for its own queue (sfupace's 2 s throttle let
    /// them through regardless of whether the last one had arrived; TemporalLayerDaemonTests: 13–28 requests in 16 s).
    func keyframeRequestIsNew(ssrc: UInt32, now: Duration) -> Bool {
        guard isLimited, let leaves = streams[ssrc]?.keyframeLeavesPacer else { return true }
        return now >= leaves + Self.keyframeArrivalGrace
    }

    /// A key-frame request from this receiver for `ssrc` went to the publisher: until the key frame comes, delta
    /// frames are useless to a limited receiver, so its link carries the key frame alone.
    func keyframeRequested(ssrc: UInt32) {
        guard isLimited else { return }
        streams[ssrc]?.forwarder.awaitingKeyframe = true
        flushVideo(ssrc)
    }

    /// Drops `ssrc`'s video waiting in the pacer (a receiver that awaits a key frame cannot use it), keeping audio.
    private func flushVideo(_ ssrc: UInt32) {
        pacer.removeAll { $0.rtpSSRC == ssrc }
    }

    /// The layer being forwarded of `ssrc` (nil: not received).
    func currentLayer(ssrc: UInt32) -> UInt8? { streams[ssrc]?.forwarder.currentLayer }
}

/// What a publisher's video costs per temporal layer, as it arrives (for its receivers' policies). Media loop only.
final class PublishedLayers {
    var rates = TemporalLayerRates()
}

/// A publisher's video packet as the fan-out needs it: where its VP8 payload starts, and its temporal layer.
struct VideoPacket {
    let ssrc: UInt32
    let sequenceNumber: UInt16
    let payloadOffset: Int
    /// Its TID; nil when the stream has no layers (or the packet is not VP8 with a descriptor).
    let layer: UInt8?

    init?(_ plain: ByteBuffer, ssrc: UInt32, sequenceNumber: UInt16) {
        guard let (offset, layer) = plain.withUnsafeReadableBytes({ raw -> (Int, UInt8?)? in
            guard let header = RTPHeaderView(raw), header.headerSize < raw.count else { return nil }
            let payload = UnsafeRawBufferPointer(rebasing: raw[header.headerSize...])
            return (header.headerSize, VP8LayerForwarder.inspect(payload)?.descriptor.temporalLayerIndex)
        }) else { return nil }
        self.ssrc = ssrc
        self.sequenceNumber = sequenceNumber
        payloadOffset = offset
        self.layer = layer
    }

    /// Whether (and under which numbers) `layers`' receiver gets this packet, whose bytes are `plain`.
    func decision(for layers: DownlinkLayers, in plain: ByteBuffer, isRetransmission: Bool = false) -> VP8LayerForwarder.Decision {
        plain.withUnsafeReadableBytes { raw in
            layers.forward(ssrc: ssrc, sequenceNumber: sequenceNumber,
                           payload: UnsafeRawBufferPointer(rebasing: raw[payloadOffset...]), bytes: raw.count,
                           isRetransmission: isRetransmission, now: MediaDatagramHandler.uplinkNow)
        }
    }
}

/// New numbers for one receiver's copy of a video packet, written before it is protected.
struct RTPRewrite {
    let payloadOffset: Int
    let sequenceNumber: UInt16
    let pictureID: UInt16?
}

extension MediaDatagramHandler {
    /// A receiver's report block about a video stream it gets: its layer policy learns from the loss.
    func adaptLayers(of receiver: MediaRoute, to block: RTCPReportBlock, publishedBy publisher: MediaRoute,
                     context: ChannelHandlerContext) {
        let now = Self.uplinkNow
        let rates = publisher.publishedLayers.rates.cumulativeKbps(now: now)
        let layers = receiver.downlinkLayers
        let roundTrip = layers.roundTrip(ssrc: block.ssrc, lastSenderReport: block.lastSenderReport,
                                         delaySinceLastSenderReport: block.delaySinceLastSenderReport, now: now)
        guard let (before, after) = layers.report(ssrc: block.ssrc, fractionLost: block.fractionLost, layerKbps: rates,
                                                  roundTrip: roundTrip, now: now) else { return }
        if after < before { metrics.layerSwitchesDown.increment() }
        if after > before { metrics.layerSwitchesUp.increment() }
        limitPublisher(publisher, streamKbps: rates.last ?? 0, now: now, context: context)
    }

    /// How often a publisher held below its own estimate is told so again (it forgets the limit after 3.5 s).
    static let videoLimitInterval = Duration.milliseconds(500)
    /// A limit starts below this share of the publisher's stream, and is kept while sent within `videoLimitKept`.
    static let limitStartsBelow = 0.5
    static let videoLimitKept = Duration.seconds(3)
    /// No limit is sent this long after the publisher's uplink lost a video packet.
    static let uplinkLossQuiet = Duration.seconds(5)

    /// A limit from measured downlinks is no longer sent once the best of them is this multiple of the stream.
    static let measuredLimitEndsAbove = 2.0

    /// The publisher's target is the highest layer anyone needs (issue 14 §3): while every receiver of its video is
    /// limited, nobody can take the whole stream, so the publisher is asked (RTCP REMB naming its video SSRC) to send
    /// no more than the best receiver's limit. A receiver's limit is the smaller of its downlink estimate's share
    /// (`estimatedVideoLimitKbps`, while its transport-wide feedback comes) and its layer policy's
    /// (`DownlinkLayers.videoLimitKbps`, from receiver reports: loss and round trips; the policy chooses its layers,
    /// and only a stream held under its estimate gets every layer). That receiver
    /// then gets every layer at the rate its link carries instead of the base layer of a stream too large for it.
    /// Nothing is sent while any receiver takes the whole stream, or has not reported yet: the publisher's limit
    /// lapses and its own estimate rules. `streamKbps`: the publisher's whole stream as it arrives now.
    func limitPublisher(_ publisher: MediaRoute, streamKbps: Double, now: Duration, context: ChannelHandlerContext) {
        guard publisher.admission.publishesVideo, let address = publisher.address else { return }
        if let last = publisher.uplink.lastVideoLimit, now - last < Self.videoLimitInterval { return }
        let ssrc = publisher.admission.videoSsrc
        var best: Double?
        // Whether every receiver's limit is its own downlink's estimate (one-way delay), and whether a standing queue
        // shows in each (else the rules for limits from receiver reports apply).
        var measured = true
        var queued = true
        for receiver in router.withTable({ $0.destinations(in: publisher.room) })
        where receiver.session != publisher.session && receiver.receivesVideo {
            let layers = receiver.downlinkLayers
            let estimated = layers.estimatedVideoLimitKbps(ssrc: ssrc, now: now)
            guard let limit = [layers.videoLimitKbps(ssrc: ssrc), estimated].compactMap({ $0 }).min() else { return }
            if limit != estimated { measured = false }
            if layers.estimate?.hasStandingQueue(now: now) != true { queued = false }
            best = max(best ?? 0, limit)
        }
        guard let best, best.isFinite, best > 0 else { return }
        let limiting = publisher.uplink.lastVideoLimit.map { now - $0 < Self.videoLimitKept } ?? false
        // A publisher whose own uplink lost packets lately is its own estimator's to slow down: its receivers then see
        // its congestion too (on a shared link in their round trips; on any link as its drained queue arriving at the
        // uplink's rate), and a limit from them held trtc-bench steps' 0.6 Mbit/s phase at 52 % of the capacity in one
        // run (from round trips) and at 48 % (from downlink estimates that backed off again with every cut the
        // publisher made itself). A limit that measured downlinks started is kept.
        if !(measured && limiting), let loss = publisher.uplink.lastLoss, now - loss < Self.uplinkLossQuiet { return }
        if measured {
            // A limit starts when each receiver's own downlink is full (a standing queue one way: the publisher's
            // uplink queue is not in it) and its estimate under the stream, and ends once no receiver is near it.
            guard limiting || (queued && best < streamKbps), best < streamKbps * Self.measuredLimitEndsAbove else { return }
        } else {
            // From round trips and loss: a limit starts only for a link that carries well under the stream (there,
            // dropping layer 1 leaves a base layer too large for it); near the stream's rate layer dropping serves it.
            // Once started it holds.
            guard limiting || best < streamKbps * Self.limitStartsBelow else { return }
        }
        let remb = RTCPReceiverEstimatedMaximumBitrate(senderSSRC: UplinkRepair.serverSSRC, bitrate: UInt64(best * 1000),
                                                       ssrcs: [ssrc])
        guard sendProtected(ByteBuffer(bytes: remb.serialized()), isRTCP: true, to: address,
                            connection: publisher.connection, context: context) else { return }
        publisher.uplink.lastVideoLimit = now
        metrics.publisherVideoLimits.increment()
    }
}
