import TrtcDBusContract
import Dispatch
import Logging
import Synchronization
import TrtcCodecs
import TrtcPipeWire
import TrtcRTP
import TrtcCore

/// Encodes captured audio to Opus (48 kHz mono, 20 ms per packet) and sends it as RTP (`RTPPayloadType.opus`), with RTCP
/// sender reports every 5 s.
///
/// Ownership: the `OpusEncoder`, the framer and the packetizer live on the gate's encoder queue, their one owner.
/// `submit` never blocks; beyond `maximumInFlight` waiting buffers new ones are dropped.
final class AudioPublisher: @unchecked Sendable {
    static let maximumInFlight = 25
    static let senderReportInterval: Duration = .seconds(5)

    let options: LocalAudioOptions
    private let gate = PublisherGate(label: "trtcd.audio-encoder", limit: maximumInFlight)
    private let logger: Logger
    // Owned by the gate's encoder queue.
    private var encoder: OpusEncoder?
    private var framer = AudioFramer<Float>(frameLength: 960)
    private var packetizer: OpusRTPPacketizer?
    private var lastSenderReport: Duration?
    private var wasLive = false
    private var appliedLossPercent: Int?
    /// Opus's bitrate now (kbit/s): the application's, or less on a link too slow for it (`SendBitrateAllocation`).
    private var appliedKbps = 0
    /// The uplink loss Opus should protect against (`OPUS_SET_PACKET_LOSS_PERC`), set from receiver reports by the
    /// statistics tick; -1 until measured (the encoder keeps its configured 10 %).
    private let expectedLossPercent = Atomic<Int>(-1)

    init(options: LocalAudioOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    var statistics: PublisherStatistics { gate.statistics }

    func setTarget(_ new: PublishTarget) {
        gate.target.withLock { $0 = new }
    }

    /// Tells the encoder the measured uplink loss (applied on the encoder queue with the next buffer): in-band FEC
    /// only helps when Opus knows loss is expected, and costs bits for nothing when there is none.
    func setExpectedLoss(percent: Int) {
        expectedLossPercent.store(OpusLossPolicy.encoderPercent(measured: percent), ordering: .relaxed)
    }

    func submit(_ frame: CapturedAudioFrame) {
        gate.submit { [self] in encodeAndSend(frame) }
    }

    func drain() {
        gate.drain()
    }

    func drained() async {
        await gate.drained()
    }

    // MARK: encoder queue

    private func encodeAndSend(_ captured: CapturedAudioFrame) {
        let current = gate.target.withLock { $0 }
        guard current.isLive, let transport = current.transport else {
            wasLive = false
            return
        }
        let cpuStart = ThreadCPUTime.now
        do {
            if !wasLive { framer.reset() }
            wasLive = true
            if packetizer?.sequencer.ssrc != current.ssrc {
                // Numbering continues where an earlier publisher of this SSRC left off (`nextSequenceNumber`).
                packetizer = try OpusRTPPacketizer(ssrc: current.ssrc, payloadType: RTPPayloadType.opus,
                                                   initialSequenceNumber: transport.nextSequenceNumber(ssrc: current.ssrc) ?? .random(in: 0...UInt16.max))
                lastSenderReport = nil
            }
            if encoder == nil {
                appliedLossPercent = nil
                var configuration = OpusEncoderConfiguration()
                configuration.bitrateKbps = options.bitrateKbps
                encoder = try OpusEncoder(configuration: configuration)
                appliedKbps = options.bitrateKbps
            }
            guard let encoder else { return }
            let allocation = SendBitrateAllocation(
                estimateBitsPerSecond: transport.sendEstimate.load(ordering: .relaxed), requestedVideoKbps: 0,
                requestedAudioKbps: options.bitrateKbps)
            if SendBitrateAllocation.worthApplying(allocation.audioKbps, over: appliedKbps, ceiling: options.bitrateKbps) {
                try encoder.setBitrate(kbps: allocation.audioKbps)
                appliedKbps = allocation.audioKbps
            }
            let loss = expectedLossPercent.load(ordering: .relaxed)
            if loss >= 0, loss != appliedLossPercent {
                try encoder.setExpectedPacketLoss(percent: loss)
                if appliedLossPercent.map({ abs($0 - loss) >= 5 }) ?? true {
                    logger.debug("opus expected loss", metadata: ["percent": "\(loss)"])
                }
                appliedLossPercent = loss
            }
            // Capture is mono at 48 kHz (AudioCaptureOptions' default); anything else is mixed down.
            let mono = captured.channels == 1 ? captured.samples : Self.downmix(captured)
            var packets = 0
            var bytes = 0
            var framesSent = 0
            for samples in framer.append(contentsOf: mono) {
                guard let packet = packetizer!.packetize(try encoder.encode(samples)) else { continue }
                let datagram = packet.serialized()
                transport.send(datagram)
                packets += 1
                framesSent += 1
                bytes += datagram.count
            }
            let now = MonotonicClock.now
            if packets > 0, lastSenderReport.map({ now - $0 >= Self.senderReportInterval }) ?? true, let packetizer {
                let report = RTCPSenderReport(sequencer: packetizer.sequencer, time: .now(), rtpTimestamp: packetizer.nextRTPTimestamp)
                transport.send(report.serialized())
                lastSenderReport = now
                let summary = gate.stats.withLock { $0.recordSenderReport() }
                // Every 5 s while sending: what `trtc-bench media` and a curious user read.
                logger.debug("audio publishing", metadata: ["stats": "\(summary)"])
            }
            let cpu = ThreadCPUTime.now - cpuStart
            let latency = now - captured.timestamp
            gate.stats.withLock {
                $0.recordSent(frames: framesSent, packets: packets, bytes: bytes, latency: latency, cpu: cpu)
            }
        } catch {
            logger.warning("audio encoding failed; buffer dropped", metadata: ["error": "\(error)"])
            encoder = nil
        }
    }

    private static func downmix(_ frame: CapturedAudioFrame) -> [Float] {
        let channels = max(frame.channels, 1)
        return (0..<frame.frameCount).map { index in
            var sum: Float = 0
            for channel in 0..<channels { sum += frame.samples[index * channels + channel] }
            return sum / Float(channels)
        }
    }
}
