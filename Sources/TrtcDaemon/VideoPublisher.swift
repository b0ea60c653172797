import TrtcDBusContract
import Dispatch
import Logging
import Synchronization
import TrtcCodecs
import TrtcRTP
import TrtcCore

/// Encodes captured frames to VP8 and sends them as RTP (`RTPPayloadType.vp8`) with RTCP sender reports every 5 s.
///
/// Ownership: the `VP8Encoder` and the packetizer live on the gate's serial encoder queue, their one owner.
/// `submit` is called by the capture pump and never blocks: while `maximumInFlight` frames wait for the
/// encoder, newer frames are dropped instead of queued, so a slow encoder costs frame rate, not latency.
final class VideoPublisher: @unchecked Sendable {
    static let maximumInFlight = 2
    /// Every second, as libwebrtc for video: the server measures each limited receiver's round trip from its reports
    /// about these (its link's queue, docs/congestion-control.md), and its own uplink report's LSR stays fresh.
    static let senderReportInterval: Duration = .seconds(1)

    let options: LocalVideoOptions
    private let gate = PublisherGate(label: "trtcd.video-encoder", limit: maximumInFlight)
    private let logger: Logger
    private let keyframeWanted = Atomic<Bool>(true)
    /// What was sent lately, for receivers' NACKs: written by the encoder queue, read by the transport's thread.
    private let history = Mutex(RTPRetransmissionHistory())
    /// Retransmissions take at most a quarter of the send estimate.
    private let retransmissionBudget = Mutex(RetransmissionBudget())
    // Owned by the gate's encoder queue.
    private var encoder: VP8Encoder?
    private var packetizer: VP8Packetizer?
    private var lastSenderReport: Duration?
    /// The "video publishing" log line's statistics cover this long (what `trtc-bench media` reads).
    static let summaryInterval: Duration = .seconds(5)
    private var lastSummary: Duration?
    /// The encoder's current target (kbit/s), following the transport's send estimate.
    private var appliedKbps = 0
    /// The target last applied, for `Statistics` (0 before the encoder exists).
    private let targetKbps = Atomic<Int>(0)
    /// The size sent, from the encoder's QP (issue 14 §1); made for the captured size. Owned by the encoder queue.
    private var scaler: ResolutionScaler?
    /// The loss of our first hop as the server reports it, in hundredths of a percent and smoothed, set by the
    /// statistics tick (its one writer): video leaves room for its repairs.
    private let uplinkLossBasisPoints = Atomic<Int>(0)

    init(options: LocalVideoOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    var statistics: PublisherStatistics { gate.statistics }

    /// The encoder's bitrate target now (kbit/s; 0 while no encoder).
    var currentTargetKbps: Int { targetKbps.load(ordering: .relaxed) }

    /// Where to send. A new transport or SSRC, or sending switched on, starts with a key frame.
    func setTarget(_ new: PublishTarget) {
        let restart = gate.target.withLock { current in
            defer { current = new }
            return new.enabled && (!current.enabled || current.transport !== new.transport || current.ssrc != new.ssrc)
        }
        if restart { requestKeyframe() }
    }

    func requestKeyframe() {
        keyframeWanted.store(true, ordering: .releasing)
    }

    /// The first hop's loss the server reported (`SendBitrateAllocation.repairShare`); applied with the next frame. Smoothed
    /// (half each report): one report covers a second, and at 10 % random loss single seconds read 6–14 %.
    func setUplinkLoss(percent: Int) {
        let measured = min(max(percent, 0), 100) * 100
        let smoothed = (uplinkLossBasisPoints.load(ordering: .relaxed) + measured) / 2
        uplinkLossBasisPoints.store(smoothed, ordering: .relaxed)
    }

    /// A receiver reported these packets of our video missing (RTCP generic NACK): sends them again, unchanged.
    func retransmit(_ sequenceNumbers: [UInt16]) {
        let current = gate.target.withLock { $0 }
        guard current.isLive, let transport = current.transport else { return }
        let estimate = transport.sendEstimate.load(ordering: .relaxed)
        let now = MonotonicClock.now
        for datagram in history.withLock({ $0.resend(sequenceNumbers) })
        where retransmissionBudget.withLock({ $0.allow(datagram.count, estimate: estimate, now: now) }) {
            transport.send(datagram)
        }
    }

    /// Called by the capture pump for every frame; drops it when it cannot be sent or the encoder is behind.
    func submit(_ frame: I420Frame) {
        gate.submit { [self] in encodeAndSend(frame) }
    }

    /// Returns once every frame already submitted has been sent or dropped.
    func drain() {
        gate.drain()
    }

    func drained() async {
        await gate.drained()
    }

    // MARK: encoder queue

    /// libvpx's target follows the send estimate within the application's bitrate (libwebrtc's `SetRates`).
    private func followSendEstimate(_ transport: MediaTransport, encoder: VP8Encoder) throws(CodecError) {
        let allocation = SendBitrateAllocation(
            estimateBitsPerSecond: transport.sendEstimate.load(ordering: .relaxed), requestedVideoKbps: options.bitrateKbps,
            requestedAudioKbps: LocalAudioOptions().bitrateKbps, uplinkLossPercent: (uplinkLossBasisPoints.load(ordering: .relaxed) + 50) / 100,
            receiverLimitKbps: transport.receiverLimitKbps())
        if SendBitrateAllocation.worthApplying(allocation.videoKbps, over: appliedKbps, ceiling: options.bitrateKbps) {
            try encoder.setBitrate(kbps: allocation.videoKbps)
            if abs(allocation.videoKbps - appliedKbps) * 5 >= appliedKbps {
                logger.debug("video target follows the send estimate", metadata: ["kbps": "\(allocation.videoKbps)", "was": "\(appliedKbps)"])
            }
            appliedKbps = allocation.videoKbps
        }
        targetKbps.store(appliedKbps, ordering: .relaxed)
        transport.setProbeCeiling(SendBitrateAllocation.estimateCovering(
            videoKbps: options.bitrateKbps, audioKbps: LocalAudioOptions().bitrateKbps))
    }

    /// The captured picture at the size the scaler chose (a new captured size starts it over at that size).
    private func scaledForSending(_ frame: I420Frame) throws(FrameError) -> I420Frame {
        let captured = ResolutionScaler.Size(width: frame.width, height: frame.height)
        let current = scaler.flatMap { $0.sourceSize == captured ? $0 : nil } ?? ResolutionScaler(sourceSize: captured)
        scaler = current
        let size = current.size
        return size == captured ? frame : try frame.scaled(width: size.width, height: size.height)
    }

    /// Sustained high QP or dropped frames: fewer pixels; sustained low QP with the bitrate for more: more pixels.
    private func followQuality(_ outcome: ResolutionScaler.FrameOutcome) {
        guard let action = scaler?.record(outcome, targetKbps: appliedKbps, ceilingKbps: options.bitrateKbps, now: MonotonicClock.now)
        else { return }
        switch action {
        case .scaleDown(let size), .scaleUp(let size):
            logger.info("video resolution follows the encoder's quantizer", metadata: [
                "size": "\(size)", "change": "\(action)", "targetKbps": "\(appliedKbps)"])
        }
    }

    private func encodeAndSend(_ frame: I420Frame) {
        let current = gate.target.withLock { $0 }
        guard current.isLive, let transport = current.transport else { return }
        let cpuStart = ThreadCPUTime.now
        do {
            if packetizer?.sequencer.ssrc != current.ssrc {
                // Numbering continues where an earlier publisher of this SSRC left off (`nextSequenceNumber`).
                packetizer = try VP8Packetizer(ssrc: current.ssrc, payloadType: RTPPayloadType.vp8,
                                               initialSequenceNumber: transport.nextSequenceNumber(ssrc: current.ssrc) ?? .random(in: 0...UInt16.max))
                history.withLock { $0 = RTPRetransmissionHistory() }  // sequence numbers start over
                lastSenderReport = nil
                lastSummary = nil
                keyframeWanted.store(true, ordering: .releasing)
            }
            let picture = try scaledForSending(frame)
            if encoder == nil {
                let configuration = VP8EncoderConfiguration(
                    width: picture.width, height: picture.height, framesPerSecond: options.fps, bitrateKbps: options.bitrateKbps)
                encoder = try VP8Encoder(configuration: configuration)
                appliedKbps = options.bitrateKbps
                if let reason = LibvpxZeroFill.unavailableReason {
                    // Works as before, only with libvpx's zero-filled buffers resident (22 MB more at 720p).
                    logger.notice("libvpx's zero fills write their pages", metadata: ["reason": "\(reason)"])
                }
            }
            guard let encoder else { return }
            try followSendEstimate(transport, encoder: encoder)
            let forceKeyframe = keyframeWanted.exchange(false, ordering: .acquiringAndReleasing)
            // A picture of another size restarts the encoder at that size; its first frame is a key frame.
            let encoded = try encoder.encode(picture, forceKeyframe: forceKeyframe)
            followQuality(encoded.isEmpty ? .dropped : .encoded(qp: encoder.statistics.lastQP))
            var packets = 0
            var bytes = 0
            var keyframes = 0
            for output in encoded {
                if output.isKeyframe { keyframes += 1 }
                for packet in packetizer!.packetize(output) {
                    let datagram = packet.serialized()
                    transport.send(datagram)
                    history.withLock { $0.store(sequenceNumber: packet.sequenceNumber, datagram: datagram) }
                    packets += 1
                    bytes += datagram.count
                }
            }
            let now = MonotonicClock.now
            if packets > 0, lastSenderReport.map({ now - $0 >= Self.senderReportInterval }) ?? true, let sequencer = packetizer?.sequencer {
                let report = RTCPSenderReport(sequencer: sequencer, time: .now(), rtpTimestamp: sequencer.rtpTimestamp(for: now))
                transport.send(report.serialized())
                lastSenderReport = now
                gate.stats.withLock { $0.senderReports += 1 }
            }
            if packets > 0, lastSummary.map({ now - $0 >= Self.summaryInterval }) ?? true {
                lastSummary = now
                let summary = gate.stats.withLock { $0.summary }
                // Every 5 s while sending: what `trtc-bench media` and a curious user read.
                logger.debug("video publishing", metadata: ["stats": "\(summary)"])
            }
            let cpu = ThreadCPUTime.now - cpuStart
            let latency = now - frame.timestamp
            gate.stats.withLock {
                $0.recordSent(frames: 1, keyframes: keyframes, packets: packets, bytes: bytes, latency: latency, cpu: cpu)
                $0.width = picture.width
                $0.height = picture.height
            }
            if forceKeyframe && keyframes == 0 { keyframeWanted.store(true, ordering: .releasing) }
        } catch {
            targetKbps.store(0, ordering: .relaxed)
            logger.warning("video encoding failed; frame dropped", metadata: ["error": "\(error)"])
            encoder = nil
            keyframeWanted.store(true, ordering: .releasing)
        }
    }
}
