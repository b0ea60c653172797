import Dispatch
import Logging
import Synchronization
import TrtcCodecs
import TrtcPipeWire
import TrtcRTP
import TrtcCore

/// One remote user's audio played to the default sink: RTP → Opus → `AudioPlayback` (SPEC §3: remote audio plays
/// automatically unless muted).
///
/// Ownership: `queue` (serial) owns the depacketizer, the decoder, the delay target and the playback stream; the
/// transport's receive thread only enqueues packets. Lost packets are rebuilt from the next packet's in-band FEC or
/// concealed (at most 60 ms per gap; a longer gap is silence). The playback's queue is the jitter buffer: its target
/// delay follows the packets' measured delay variation (`AudioDelayTarget`: up at once, down slowly); the playback
/// itself grows the delay when it runs dry and shrinks it slowly towards the target (`AudioPlayback`).
final class RemoteAudioReceiver: @unchecked Sendable {
    static let samplesPerPacket = 960  // 20 ms at 48 kHz (docs/protocol.md §2)
    static let maximumConcealedPackets = 3
    /// Packets waiting for the decoder (1 s); beyond this the oldest are dropped (security M4).
    static let inboxCapacity = 50
    /// Packets decoded per second at most, bursts of a second's worth: twice the 50 a sender of 20 ms packets
    /// sends, so that a member flooding its audio SSRC costs at most that much decoding.
    static let maximumPacketsPerSecond = 100

    let userId: String
    let ssrc: UInt32
    private let playback: AudioPlayback
    private let logger: Logger
    private let queue: DispatchQueue
    private let stopped = Atomic<Bool>(false)
    private let inbox = RTPInbox(capacity: RemoteAudioReceiver.inboxCapacity)
    // Owned by `queue`.
    private var depacketizer = OpusRTPDepacketizer()
    private var decoder: OpusDecoder?
    private var decodeFailures = 0
    private var packetBudget = TokenBucket(rate: Double(RemoteAudioReceiver.maximumPacketsPerSecond),
                                           capacity: Double(RemoteAudioReceiver.maximumPacketsPerSecond))
    private var packetsOverBudget = 0
    private var delayTarget = AudioDelayTarget()
    private var counted = RemoteAudioStatistics()
    private var decodedSamples = 0
    private var synthesizedSamples = 0
    /// Playback silence so far, and the part of it that was the sender's DTX pauses (not concealment).
    private var silenceSeen = 0
    private var silenceOfPauses = 0
    /// What `Statistics` reads: copied after every packet.
    private let published = Mutex(RemoteAudioStatistics())

    init(userId: String, ssrc: UInt32, playback: AudioPlayback, logger: Logger) {
        self.userId = userId
        self.ssrc = ssrc
        self.playback = playback
        self.logger = logger
        queue = DispatchQueue(label: "trtcd.remote-audio.\(userId)")
    }

    /// Called on the transport's receive thread for each RTP packet of this user's audio SSRC.
    func receive(_ packet: RTPPacket) {
        guard !stopped.load(ordering: .relaxed) else { return }
        inbox.push(packet, arrival: MonotonicClock.now, drainingOn: queue) { [self] in process($0, arrival: $1) }
    }

    /// Samples played and concealed so far, and the target delay.
    var statistics: RemoteAudioStatistics { published.withLock { $0 } }

    /// Removes the playback stream; packets still queued are dropped. Returns once the stream is gone.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        let (lost, overBudget) = queue.sync {
            playback.stop()
            decoder = nil
            return (depacketizer.packetsLost, packetsOverBudget)
        }
        let statistics = playback.playbackStatistics
        logger.info("remote audio closed", metadata: [
            "user": "\(userId)", "samples": "\(statistics.samplesPlayed)", "underruns": "\(statistics.underruns)",
            "lost": "\(lost)", "packetsDropped": "\(inbox.dropped)", "packetsOverBudget": "\(overBudget)",
        ])
    }

    private func publish(_ played: AudioPlaybackStatistics) {
        let silence = max(0, played.silenceSamples - silenceOfPauses)
        counted.totalSamples = decodedSamples + synthesizedSamples + silence
        counted.concealedSamples = synthesizedSamples + silence
        counted.jitterBufferDelay = .microseconds(played.targetSamples * 1000 / 48)
        let snapshot = counted
        published.withLock { $0 = snapshot }
    }

    private func process(_ packet: RTPPacket, arrival: Duration) {
        guard !stopped.load(ordering: .relaxed), packet.payloadType == RTPPayloadType.opus else { return }
        guard packetBudget.spend(now: .now) else {
            packetsOverBudget += 1
            if packetsOverBudget == 1 || packetsOverBudget % 1000 == 0 {
                logger.warning("remote audio: more than \(Self.maximumPacketsPerSecond) packets a second arriving; dropped",
                               metadata: ["user": "\(userId)", "dropped": "\(packetsOverBudget)"])
            }
            return
        }
        let now = MonotonicClock.now
        // Every packet, late ones too: the delay has to cover them (as of their arrival, not of this queue's turn).
        delayTarget.packetArrived(rtpTimestamp: packet.timestamp, arrival: arrival)
        do {
            guard let output = try depacketizer.receive(packet) else { return }
            if decoder == nil { decoder = try OpusDecoder(sampleRate: 48_000, channels: 1) }
            guard let decoder else { return }
            let concealed = min(output.lostPacketsBefore, Self.maximumConcealedPackets)
            var samples: [Float] = []
            if concealed > 0 {
                // libopus rebuilds the last lost frame from this packet's FEC and conceals the ones before it.
                samples = try decoder.decodeLost(sampleCount: concealed * Self.samplesPerPacket, nextPacket: output.payload)
                // Rebuilt from FEC only when the packet carries it (libopus conceals otherwise). Rebuilt audio is decoded
                // audio, not concealment (WebRTC's concealedSamples: NetEq decodes FEC as a packet of its own).
                let rebuilt = OpusPacket.hasInBandFEC(output.payload) ? min(samples.count, Self.samplesPerPacket) : 0
                counted.fecSamples += rebuilt
                synthesizedSamples += samples.count - rebuilt
                decodedSamples += rebuilt
            }
            let decoded = try decoder.decode(output.payload)
            decodedSamples += decoded.count
            samples += decoded
            let played = playback.enqueue(samples, targetDelaySamples: Int(delayTarget.target(now: now) / .microseconds(1)) * 48 / 1000)
            // Silence since the previous packet: a DTX pause when this packet starts a talkspurt right after the last
            // one (nothing lost), else the buffer ran dry (late packets): concealment.
            if output.startsTalkspurt && output.lostPacketsBefore == 0 { silenceOfPauses += played.silenceSamples - silenceSeen }
            silenceSeen = played.silenceSamples
            publish(played)
        } catch {
            decodeFailures += 1
            if decodeFailures == 1 || decodeFailures % 100 == 0 {
                logger.warning("remote audio: \(error)", metadata: ["user": "\(userId)", "failures": "\(decodeFailures)"])
            }
        }
    }
}
