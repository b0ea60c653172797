import Dispatch
import Logging
import Synchronization
import TrtcCodecs
import TrtcPipeWire
import TrtcRTP
import TrtcCore

/// One remote user's video shown in a PipeWire `Video/Source` node (StartRemoteVideo): RTP → VP8 frames → pictures.
///
/// Ownership: `queue` (serial) owns the jitter buffer, the decoder, the `VideoSource` and a timer; the transport's
/// receive thread only enqueues packets. The `VideoJitterBuffer` (TrtcRTP) decides what to decode and when (whole
/// frames whose references were decoded, at their render time) and which NACKs and PLIs to send; the timer wakes the
/// queue when it asks to be polled (a render time, a NACK retry, a PLI retry). The node's size is the first decoded picture's (StartRemoteVideo waits up to
/// `firstPictureTimeout` for it, asking the sender for a key frame), or `defaultWidth`×`defaultHeight` when the user
/// sends no video yet; later pictures of another size are scaled to the node's size (a node's format is fixed
/// while clients are linked to it).
final class RemoteVideoReceiver: @unchecked Sendable {
    static let defaultWidth = 640
    static let defaultHeight = 480
    static let firstPictureTimeout: Duration = .milliseconds(1500)
    /// The largest picture decoded: a key frame may claim up to 16383×16383, and libvpx would allocate frame buffers
    /// (and the node its buffers) for whatever a remote sender claims — several GB. 1080p in either orientation is
    /// TRTC's largest resolution; a 4K decoder alone holds ~60 MiB of frame buffers. Larger key frames are dropped.
    static let maximumWidth = 1920
    static let maximumHeight = 1920
    static let maximumPixels = 1920 * 1088
    /// How often the round trip (for NACK retries) is read from the transport.
    static let roundTripRefreshInterval: Duration = .seconds(1)
    /// A debug line with the totals every this many pictures (1 s at 30 fps).
    static let statisticsEveryPictures = 30
    /// Packets waiting for the decoder: a 1080p key frame is ~100; beyond this the oldest are dropped (security M4).
    static let inboxCapacity = 1024
    /// Pixels decoded per second at most, in bursts of a second's worth: 1080p at 30 fps, the largest stream TRTC
    /// clients send; key frames count twice. A member sending more (key frames back to back) gets frames dropped
    /// before the decoder, so that it cannot take trtcd's CPU (security M4); the decoder then waits for a key frame
    /// within the budget.
    static let maximumDecodedPixelsPerSecond = 1920 * 1080 * 30
    /// CPU time per second the receiver may spend decoding, scaling and handing pictures to its node, in bursts of
    /// a second's worth: whatever a sender's frames cost, one remote video takes at most this share of a core.
    static let maximumCPUPerSecond = 0.3
    /// RTP packets per second that reach the jitter buffer, in bursts of a second's worth: 1080p30 at 10 Mbit/s is
    /// ~1,150 packets a second, retransmissions included well under this. The buffer's work is per packet, before any
    /// decoding budget applies, so a member flooding tiny frames is cut off here (security M4); what is dropped looks
    /// like loss to the buffer.
    static let maximumPacketsPerSecond = 3000

    let userId: String
    let nodeName: String
    /// False for a `sub` node: nobody publishes a sub stream yet, so it opens at the default size and stays black.
    let receivesStream: Bool
    private let loop: PipeWireLoop
    private let requestKeyframe: @Sendable () -> Void
    private let requestRetransmission: @Sendable ([UInt16]) -> Void
    /// The media connection's round trip (its ICE checks), nil while not measured.
    private let roundTrip: @Sendable () -> Duration?
    private let logger: Logger
    private let queue: DispatchQueue
    private let firstPicture = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)
    private let inbox = RTPInbox(capacity: RemoteVideoReceiver.inboxCapacity)
    /// What `Statistics` reads: written by `queue` after each picture, copied out by the statistics tick.
    private let rendering = Mutex(RemoteVideoStatistics())
    // Owned by `queue`.
    private var jitterBuffer = VideoJitterBuffer()
    private var decoder: VP8Decoder?
    private var source: VideoSource?
    private var timer: DispatchSourceTimer?
    private var measuredRoundTrip: (value: Duration?, read: Duration)?
    private var picturesDecoded = 0
    private var decodeFailures = 0
    private var receivedLayers = ReceivedLayerWindow()
    /// Delta frames decoded whose PictureID did not follow the previous one's (should stay 0).
    private var referenceBreaks = 0
    private var lastDecodedPictureID: UInt16?
    private var lastDecodedTL0PictureIndex: UInt8?
    private var oversizedKeyframes = 0
    private var decodeCPU: Duration = .zero
    private var pixelBudget = TokenBucket(rate: Double(RemoteVideoReceiver.maximumDecodedPixelsPerSecond),
                                          capacity: Double(RemoteVideoReceiver.maximumDecodedPixelsPerSecond))
    /// The size of the frames being decoded (the last key frame's): what an inter frame costs in the budget.
    private var framePixels = 0
    private var framesOverBudget = 0
    private var cpuBudget = TokenBucket(rate: RemoteVideoReceiver.maximumCPUPerSecond, capacity: RemoteVideoReceiver.maximumCPUPerSecond)
    private var packetBudget = TokenBucket(rate: Double(RemoteVideoReceiver.maximumPacketsPerSecond),
                                           capacity: Double(RemoteVideoReceiver.maximumPacketsPerSecond))
    private var packetsOverBudget = 0

    init(userId: String, nodeName: String, receivesStream: Bool, loop: PipeWireLoop, requestKeyframe: @escaping @Sendable () -> Void,
         requestRetransmission: @escaping @Sendable ([UInt16]) -> Void, roundTrip: @escaping @Sendable () -> Duration? = { nil },
         logger: Logger) {
        self.requestRetransmission = requestRetransmission
        self.roundTrip = roundTrip
        self.userId = userId
        self.nodeName = nodeName
        self.receivesStream = receivesStream
        self.loop = loop
        self.requestKeyframe = requestKeyframe
        self.logger = logger
        queue = DispatchQueue(label: "trtcd.remote-video.\(userId)")
    }

    /// Creates the node: at the first decoded picture's size if one arrives within `firstPictureTimeout`, else at
    /// the default size. Blocks the caller (not the receiver's queue); returns the node id.
    func open() throws(PipeWireError) -> UInt32 {
        if receivesStream {
            queue.sync {
                startTimer()
                if jitterBuffer.requestKeyframe(now: MonotonicClock.now) { requestKeyframe() }
                publishCounters()
            }
            _ = firstPicture.wait(timeout: .now() + .milliseconds(Int(Self.firstPictureTimeout / .milliseconds(1))))
        }
        let result: Result<UInt32, PipeWireError> = queue.sync {
            do throws(PipeWireError) {
                let source = try ensureSource(width: Self.defaultWidth, height: Self.defaultHeight)
                guard let id = source.nodeId else { throw .connectionFailed("the node '\(nodeName)' has no id") }
                return .success(id)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Pictures shown so far, their last size and freezes (cumulative; the reader takes differences).
    var statistics: RemoteVideoStatistics { rendering.withLock { $0 } }

    /// The node's id, once open.
    var nodeId: UInt32? { queue.sync { source?.nodeId } }

    /// Called on the transport's receive thread for each RTP packet of this user's video SSRC.
    func receive(_ packet: RTPPacket) {
        guard !stopped.load(ordering: .relaxed) else { return }
        inbox.push(packet, arrival: MonotonicClock.now, drainingOn: queue) { [self] packet, _ in process(packet) }
    }

    /// The user's stream changed (new SSRC after entering again): start over at the next key frame.
    func streamRestarted() {
        queue.async { [self] in
            jitterBuffer.resetStream()
            if jitterBuffer.requestKeyframe(now: MonotonicClock.now) { requestKeyframe() }
        }
    }

    /// Removes the node; packets still queued are dropped. Returns once the node is gone.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        let (pictures, overBudget, counters, failures, breaks, packetsOver) = queue.sync {
            timer?.cancel()
            timer = nil
            source?.stop()
            source = nil
            decoder = nil
            return (picturesDecoded, framesOverBudget, jitterBuffer.counters, decodeFailures, referenceBreaks, packetsOverBudget)
        }
        logger.info("remote video closed", metadata: [
            "user": "\(userId)", "pictures": "\(pictures)", "packetsDropped": "\(inbox.dropped)", "packetsOverBudget": "\(packetsOver)", "framesOverBudget": "\(overBudget)",
            "framesMissingReference": "\(counters.framesMissingReference)", "framesLate": "\(counters.framesLate)",
            "nacks": "\(counters.nackMessages)", "nackRetries": "\(counters.nack.retries)", "plis": "\(counters.pictureLossIndications)",
            "decoderErrors": "\(failures)", "referenceBreaks": "\(breaks)",
        ])
    }

    // MARK: queue

    private func process(_ packet: RTPPacket) {
        guard !stopped.load(ordering: .relaxed) else { return }
        guard packetBudget.spend(now: ContinuousClock.now) else {
            packetsOverBudget += 1
            if packetsOverBudget == 1 || packetsOverBudget % 10_000 == 0 {
                logger.warning("remote video: packets dropped over \(Self.maximumPacketsPerSecond) a second",
                               metadata: ["user": "\(userId)", "dropped": "\(packetsOverBudget)"])
            }
            return
        }
        let now = MonotonicClock.now
        let actions: VideoJitterBuffer.Actions
        do {
            actions = try jitterBuffer.insert(packet, arrival: now, roundTrip: currentRoundTrip(now: now))
        } catch {
            return  // not VP8 (or malformed): counted by nobody, the sender is another trtcd or a test
        }
        perform(actions)
    }

    /// The timer: the jitter buffer asked to be polled now. Packets already here go in first: a retransmission waiting
    /// in the inbox must not be given up because this queue was busy decoding.
    private func poll() {
        guard !stopped.load(ordering: .relaxed) else { return }
        for entry in inbox.take() { process(entry.packet) }
        let now = MonotonicClock.now
        perform(jitterBuffer.poll(now: now, roundTrip: currentRoundTrip(now: now)))
    }

    private func perform(_ actions: VideoJitterBuffer.Actions) {
        if !actions.nacks.isEmpty { requestRetransmission(actions.nacks) }
        if actions.pictureLossIndication {
            requestKeyframe()
            logger.debug("remote video: key frame requested", metadata: [
                "user": "\(userId)", "state": "\(jitterBuffer.stateDescription)", "overflow": "\(jitterBuffer.lastOverflowState ?? "-")",
            ])
        }
        let now = MonotonicClock.now
        for frame in actions.frames {
            receivedLayers.note(layer: frame.temporalLayer, now: now)
            decode(frame)
        }
        schedule(actions.nextPoll)
        publishCounters()
    }

    /// The frame could not be decoded or shown: the jitter buffer waits for a key frame (and may ask for one now).
    private func needKeyframe() {
        if jitterBuffer.decoderNeedsKeyframe(now: MonotonicClock.now) { requestKeyframe() }
    }

    private func startTimer() {
        guard timer == nil else { return }
        let created = DispatchSource.makeTimerSource(queue: queue)
        created.setEventHandler { [weak self] in self?.poll() }
        created.schedule(deadline: .distantFuture)
        created.resume()
        timer = created
    }

    /// Wakes the queue at `deadline` (monotonic), replacing the previous wake-up; nil: none.
    private func schedule(_ deadline: Duration?) {
        guard let timer else { return }
        guard let deadline else { return timer.schedule(deadline: .distantFuture) }
        let delay = max(.zero, deadline - MonotonicClock.now)
        timer.schedule(deadline: .now() + .nanoseconds(Int(delay / .nanoseconds(1))), leeway: .milliseconds(1))
    }

    private func currentRoundTrip(now: Duration) -> Duration? {
        if let measured = measuredRoundTrip, now - measured.read < Self.roundTripRefreshInterval { return measured.value }
        let value = roundTrip()
        measuredRoundTrip = (value, now)
        return value
    }

    /// Copies what `Statistics` reads.
    private func publishCounters() {
        let counters = jitterBuffer.counters
        let delay = jitterBuffer.currentDelay
        let failures = decodeFailures
        let layers = receivedLayers.layerCount(now: MonotonicClock.now)
        rendering.withLock {
            $0.jitterBuffer = counters
            $0.jitterBufferDelay = delay
            $0.decoderErrors = failures
            $0.receivedTemporalLayers = layers
        }
    }

    private func decode(_ frame: ReassembledVP8Frame) {
        if frame.isKeyframe, !Self.isAcceptable(width: frame.width, height: frame.height) {
            oversizedKeyframes += 1
            if oversizedKeyframes == 1 || oversizedKeyframes % 100 == 0 {
                logger.warning("remote video: key frame of \(frame.width ?? 0)x\(frame.height ?? 0) dropped (unreadable or larger than 1080p)",
                               metadata: ["user": "\(userId)", "dropped": "\(oversizedKeyframes)"])
            }
            decoder = nil  // what follows depends on that key frame
            return needKeyframe()
        }
        do {
            if decoder == nil, !frame.isKeyframe { return needKeyframe() }
            noteReference(frame)
            if frame.isKeyframe, let width = frame.width, let height = frame.height { framePixels = width * height }
            // A key frame costs twice its pixels: intra decoding is the expensive kind, and a sender of real video
            // sends one every few seconds, while key frames back to back are what a flood is made of.
            let cost = Double(framePixels) * (frame.isKeyframe ? 2 : 1)
            let now = ContinuousClock.now
            guard cpuBudget.hasTokens(now: now), pixelBudget.spend(cost, now: now) else {
                framesOverBudget += 1
                if framesOverBudget == 1 || framesOverBudget % 100 == 0 {
                    logger.warning("remote video: more than 1080p at 30 fps or 30 % of a core arriving; frames dropped before decoding",
                                   metadata: ["user": "\(userId)", "dropped": "\(framesOverBudget)"])
                }
                decoder = nil  // the frames after this one refer to it: wait for a key frame
                return needKeyframe()
            }
            if decoder == nil { decoder = try VP8Decoder() }
            let cpuBefore = ThreadCPUTime.now
            defer { cpuBudget.charge(Double((ThreadCPUTime.now - cpuBefore) / .microseconds(1)) / 1e6, now: .now) }
            guard let picture = try decoder?.decode(frame.data) else { return }
            decodeCPU += ThreadCPUTime.now - cpuBefore
            picturesDecoded += 1
            let source = try ensureSource(width: picture.width, height: picture.height)
            if picture.width == source.width && picture.height == source.height {
                try source.push(picture)
            } else {
                try source.push(picture.scaled(width: source.width, height: source.height))
            }
            if picturesDecoded == 1 { firstPicture.signal() }
            let shownAt = MonotonicClock.now
            let freeze = rendering.withLock {
                $0.width = picture.width
                $0.height = picture.height
                return $0.freezes.rendered(at: shownAt)
            }
            if let freeze, let timing = frame.timing { logFreeze(freeze, before: frame, timing: timing) }
            if picturesDecoded % Self.statisticsEveryPictures == 0 {
                // Totals, so a reader can take differences (trtc-bench media does).
                logger.debug("remote video receiving", metadata: [
                    "user": "\(userId)", "pictures": "\(picturesDecoded)",
                    "decodeCpuMs": "\((decodeCPU / .milliseconds(1) * 10).rounded() / 10)",
                    "size": "\(picture.width)x\(picture.height)",
                    "timing": "\(jitterBuffer.timingDescription(roundTrip: currentRoundTrip(now: shownAt), now: shownAt))",
                ])
            }
        } catch {
            decodeFailures += 1
            if decodeFailures == 1 || decodeFailures % 100 == 0 {
                logger.warning("remote video: \(error)", metadata: ["user": "\(userId)", "failures": "\(decodeFailures)"])
            }
            decoder = nil  // start again at a key frame
            needKeyframe()
        }
    }

    /// One line per freeze saying what the picture after it waited for (`trtc-bench network` sums them up).
    private func logFreeze(_ gap: Duration, before frame: ReassembledVP8Frame, timing: VideoFrameTiming) {
        func ms(_ duration: Duration) -> String { "\(Int((duration / .milliseconds(1)).rounded()))" }
        logger.debug("remote video: freeze", metadata: [
            "user": "\(userId)", "gapMs": "\(ms(gap))", "cause": "\(timing.cause(isKeyframe: frame.isKeyframe).rawValue)",
            "layer": "\(frame.isKeyframe ? "key" : frame.temporalLayer.map(String.init) ?? "-")", "lateMs": "\(ms(timing.lateness))",
            "repairRounds": "\(timing.repairRounds)", "assemblyMs": "\(ms(timing.assembly))",
            "completedAfterBaseMs": "\(ms(timing.completedAfterBase))", "delayMs": "\(ms(timing.delay))",
            "mediaGapMs": "\(ms(timing.mediaGap))", "framesDropped": "\(timing.framesDroppedBefore)",
            "sequence": "\(frame.firstSequenceNumber)-\(frame.lastSequenceNumber)",
        ])
    }

    /// An independent check of the jitter buffer's promise, for the log: a delta frame whose PictureID does not
    /// follow the previous frame's (only meaningful for senders without non-reference frames or layers, as trtcd).
    private func noteReference(_ frame: ReassembledVP8Frame) {
        defer {
            lastDecodedPictureID = frame.pictureID
            if frame.isKeyframe || frame.temporalLayer == 0 { lastDecodedTL0PictureIndex = frame.tl0PictureIndex }
        }
        guard !frame.isKeyframe else { return }
        // Temporal layers: a layer 0 frame refers to the previous layer 0 frame, a higher one to its layer 0 frame (the
        // frames of higher layers in between may be missing, or never sent to this receiver).
        if let layer = frame.temporalLayer, let tl0 = frame.tl0PictureIndex, let lastTL0 = lastDecodedTL0PictureIndex {
            if tl0 != (layer == 0 ? lastTL0 &+ 1 : lastTL0) { referenceBreaks += 1 }
            return
        }
        guard let pictureID = frame.pictureID, let last = lastDecodedPictureID else { return }
        if pictureID & 0x7FFF != (last &+ 1) & 0x7FFF { referenceBreaks += 1 }
    }

    /// A key frame's claimed size is readable and at most 1080p (either orientation).
    static func isAcceptable(width: Int?, height: Int?) -> Bool {
        guard let width, let height, width > 0, height > 0 else { return false }
        return width <= maximumWidth && height <= maximumHeight && width * height <= maximumPixels
    }

    private func ensureSource(width: Int, height: Int) throws(PipeWireError) -> VideoSource {
        if let source { return source }
        let created = try VideoSource(
            loop: loop, nodeName: nodeName, description: "\(userId) (trtcd remote video)", width: width, height: height)
        source = created
        logger.info("remote video node", metadata: ["user": "\(userId)", "node": "\(created.nodeId ?? 0)", "size": "\(width)x\(height)"])
        return created
    }

}
