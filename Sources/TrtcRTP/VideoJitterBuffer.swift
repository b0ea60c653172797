/// A receiver's video jitter buffer for one VP8 stream (modelled on libwebrtc's packet buffer, frame buffer, NACK
/// requester and jitter estimator, and mediasoup's NackGenerator/KeyFrameRequestManager): RTP packets in, whole
/// decodable frames out at their render time, with the RTCP feedback that repairs what is missing.
///
/// - Frames are assembled by `VP8FrameAssembler`.
/// - A frame is handed to the decoder only when it is decodable: a key frame, or a delta frame whose references were
///   decoded (`isDecodable`: PictureID continuity with the last reference frame, non-reference frames in between
///   allowed; TL0PICIDX for temporal layers; sequence-number continuity without a PictureID). Frames whose reference
///   is missing are held while the missing packets are being repaired and dropped when repair fails; then the
///   buffer waits for a key frame and never hands out a delta frame before it.
/// - NACK (`NACKRequester`): a gap is asked for at once, then once per round trip, at most 10 times or 1 s; a gap
///   too long to repair, or a given-up packet the frames need, means a key frame.
/// - PLI: sent when a key frame is needed, then every `keyframeRetryInterval` while still needed and the stream is
///   alive, not while a key frame is on its way (its first packet arrived and its missing packets are being asked
///   for); never once a key frame was handed out.
/// - Timing: a frame's render time is its media time mapped onto the arrival clock by the fastest recent frame, plus
///   the current delay. The delay's target is the frames' delay variation (`DelayVariationEstimator`: the 95th
///   percentile over the last ~3 s, at least the median over ~10 s); while frames need retransmissions (3 in 5 s), it
///   covers how late those completed (95th percentile over ~20 s: a second round of repair when a retransmission is
///   lost), at least one round trip and at most 2.5 above the
///   variation (the 99th percentile and 3.5 on a link that loses much: a third round), within
///   `minimumDelay…maximumDelay`; the current delay moves towards it at a bounded rate, so pictures do not jump.
///
/// A value type without I/O: `insert` and `poll` return what to do (`Actions`); time is the caller's monotonic
/// clock. Memory is bounded by the assembler's packet capacity and `maximumPendingFrames`.
public struct VideoJitterBuffer: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var minimumDelay: Duration = .milliseconds(10)
        public var maximumDelay: Duration = .milliseconds(500)
        /// How fast the current delay may follow its target, in seconds per second.
        public var delayIncreaseRate = 0.25
        /// Faster down than up: once a queue drained, every second at the old delay is a second of needless
        /// latency (at 0.1 s/s trtc-bench steps' 0.6 Mbit/s phase spent 5 s coming down from 500 ms; 0.3 s/s plays
        /// ~1.3× fast for under 2 s).
        public var delayDecreaseRate = 0.3
        /// Frames whose arrival sets the delay target (~10 s at 30 fps): the 95th percentile of the newest
        /// `estimatorRecentWindow` (~3 s), or `estimatorOlderQuantile` of all when larger (`DelayVariationEstimator`),
        /// so a queue that filled once is forgotten in seconds, with repairs or without.
        public var estimatorWindow = 300
        public var estimatorRecentWindow = 90
        /// The whole window's quantile under the recent one (`DelayVariationEstimator.olderQuantile`): its median, so
        /// a queue that filled and drained once (a capacity drop: ~5 s of late frames, half of the window) no longer
        /// sets the delay once the recent frames are back on time (trtc-bench steps' 0.6 Mbit/s phase: at the 80th
        /// percentile the delay stayed at its 500 ms maximum for 10 s after the drop).
        public var estimatorOlderQuantile = 0.5
        /// Repaired frames whose lateness sets the repair allowance: those of the last `repairWindow`, at most
        /// `maximumRepairSamples`; the allowance covers `repairQuantile` of them.
        public var repairWindow: Duration = .seconds(20)
        /// The allowance applies while at least `repairActivityMinimum` frames were repaired in the last
        /// `repairActivity`: a few repairs during a capacity drop's queue (each as late as the queue) held the delay
        /// near its maximum for the whole 20 s window afterwards.
        public var repairActivity: Duration = .seconds(5)
        public var repairActivityMinimum = 3
        public var maximumRepairSamples = 300
        public var repairQuantile = 0.95
        /// Round trips of repair the delay covers at most: two, and half of one for the time before the first NACK (the
        /// gap is seen with the next packet, a frame later when a frame's last packet was lost) and processing.
        public var maximumRepairRounds = 2.5
        /// On a link that loses much (`heavyLoss`), the allowance covers `heavyLossRepairQuantile` of the repaired
        /// frames and up to `heavyLossRepairRounds` round trips: at 10 % loss on each hop one repair in a hundred needs
        /// a third round, a few a minute at 30 fps, and each one missed is a freeze. Between `moderateLoss` and
        /// `heavyLoss` (the share of sequence numbers that arrived late or never, both hops together) it blends
        /// linearly; below, the 2.5 rounds that keep glass-to-glass within issue 12's 400 ms at 5 % loss per hop.
        public var moderateLoss = 0.12
        public var heavyLoss = 0.17
        public var heavyLossRepairQuantile = 0.99
        public var heavyLossRepairRounds = 3.5
        public var keyframeRetryInterval: Duration = .milliseconds(200)
        /// Packets held at most (a 1080p key frame is ~150).
        public var packetCapacity = 2048
        /// Complete frames held at most (waiting for their render time or a missing reference).
        public var maximumPendingFrames = 120
        /// The stream counts as alive (worth a PLI) while a packet arrived within this.
        public var aliveTimeout: Duration = .seconds(1)
        public var nack = NACKRequester.Configuration()

        public init() {}
    }

    /// What to do now.
    public struct Actions: Sendable, Equatable {
        /// Frames to decode now, in decoding order.
        public var frames: [ReassembledVP8Frame] = []
        /// Sequence numbers to NACK now, oldest first.
        public var nacks: [UInt16] = []
        /// Send a PLI now.
        public var pictureLossIndication = false
        /// When to call `poll` next (nil: only when a packet arrives).
        public var nextPoll: Duration?

        public init() {}
    }

    /// Cumulative counts (since the buffer was made; `resetStream` keeps them).
    public struct Counters: Sendable, Equatable {
        public var packetsReceived = 0
        public var packetsDuplicate = 0
        public var framesAssembled = 0
        /// Frames handed to the decoder, and key frames among them.
        public var framesDecodable = 0
        public var keyframes = 0
        /// Complete frames dropped because a frame they reference was lost (never given to the decoder).
        public var framesMissingReference = 0
        /// Frames handed out after their render time (waited for a repair, or the delay was too short).
        public var framesLate = 0
        /// RTCP NACK messages to send (one per `Actions` with numbers) and PLIs.
        public var nackMessages = 0
        public var pictureLossIndications = 0
        public var nack = NACKRequester.Counters()

        public init() {}
    }

    private struct Chain: Sendable {
        var lastSequence: Int64
        var pictureID: Int64?
        var lastReferencePictureID: Int64?
        var tl0: (index: UInt8, pictureID: Int64)?
        /// Recently decoded PictureIDs and their temporal layer (bounded).
        var decoded: [Int64: UInt8] = [:]
    }

    private struct Pending: Sendable {
        var frame: VP8FrameAssembler.Frame
        var pictureID: Int64?
        var mediaTime: Double
    }

    public let configuration: Configuration
    private var counterValues = Counters()
    private var assembler: VP8FrameAssembler
    private var nack: NACKRequester
    private var estimator: DelayVariationEstimator
    /// The estimator's base and variation as last computed: that costs O(window log window), so it is done at most once
    /// per `estimateRefreshInterval` of arrival time, not for every frame (a member flooding tiny frames would make
    /// every packet pay it; security M4). A 30 fps stream refreshes at every frame.
    private var estimatedBase: Double?
    private var estimatedVariation = 0.0
    private var estimateRefreshed: Duration?
    static let estimateRefreshInterval: Duration = .milliseconds(20)
    private var ssrc: UInt32?
    private var pending: [Pending] = []
    private var chain: Chain?
    /// Where the reference chain is broken (sorted): delta frames ending at or after the first cannot be decoded (what
    /// they reference was lost); frames before it still can. `Int64.min`: none can (the decoder has no state). A key
    /// frame heals the breaks inside or before it, not those after it.
    private var breaks: [Int64] = [.min]
    private var keyframeNeededFrom: Int64? { breaks.first }
    private var needsKeyframe: Bool { !breaks.isEmpty }
    /// A new stream: no PLI before its first frame is complete (its first packets may simply be reordered), unless
    /// something else asks for a key frame.
    private var awaitingFirstFrame = true
    private var lastPictureLossIndication: Duration?
    private var keyframeOnTheWaySince: Duration?
    private var lastArrival: Duration?
    /// PictureIDs seen in packets: non-reference (N) and temporal layer, for frames not (yet) complete.
    private var knownPictures: [Int64: (nonReference: Bool, temporalLayer: UInt8?)] = [:]
    private var highestPictureID: Int64?
    private var highestTimestamp: Int64?
    /// Frames completed by a retransmission lately: when, and how late (seconds above the fastest frames' delay).
    private var repairedFrames: [(completed: Duration, lateness: Double)] = []
    /// Quantiles of their lateness (seconds): `repairQuantile`'s and `heavyLossRepairQuantile`'s.
    private var repairLateness = 0.0
    private var heavyLossRepairLateness = 0.0
    /// Sequence numbers the stream advanced over lately, and of those, how many were missing when a later one arrived
    /// (lost or reordered), halved together now and then: a decaying window of a few thousand packets.
    private var sequenceSpan = (advanced: 0, missing: 0)
    private var currentDelaySeconds: Double?
    /// The state when the frames last overflowed (debug).
    public private(set) var lastOverflowState: String?
    private var lastTimingUpdate: Duration?
    /// For `VideoFrameTiming`: the media time of the frame handed out last, and the dropped frames counted then.
    private var lastHandedOutMediaTime: Double?
    private var framesMissingReferenceAtLastHandOut = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        assembler = VP8FrameAssembler(capacity: configuration.packetCapacity)
        nack = NACKRequester(configuration: configuration.nack)
        estimator = DelayVariationEstimator(window: configuration.estimatorWindow, recentWindow: configuration.estimatorRecentWindow,
                                            olderQuantile: configuration.estimatorOlderQuantile)
    }

    public var counters: Counters {
        var counters = counterValues
        counters.nack = nack.counters
        return counters
    }

    /// What the buffer is waiting for, for a debug log line.
    public var stateDescription: String {
        let frames = pending.map { "\($0.frame.firstSequence)-\($0.frame.lastSequence)\($0.frame.isKeyframe ? "K" : "")" }
        return "keyframeNeededFrom=\(keyframeNeededFrom.map(String.init) ?? "-") chainLast=\(chain.map { String($0.lastSequence) } ?? "-") "
            + "pending=\(frames.prefix(6)) missing=\(nack.outstanding) highest=\(nack.highestSequence ?? -1)"
    }

    /// The delay's parts for a log line: current delay, target, variation, repaired frames in the repair window and
    /// their lateness quantile, in ms.
    public func timingDescription(roundTrip: Duration?, now: Duration) -> String {
        func ms(_ seconds: Double) -> Int { Int((seconds * 1000).rounded()) }
        let repaired = repairedFrames.count { now - $0.completed <= configuration.repairWindow }
        return "delayMs=\(ms(currentDelaySeconds ?? 0)) targetMs=\(ms(Self.seconds(targetDelay(roundTrip: roundTrip, now: now)))) "
            + "variationMs=\(ms(estimatedVariation)) repaired=\(repaired) repairLatenessMs=\(ms(repairLateness))"
    }

    /// The delay now added to the fastest frames' arrival before they are shown.
    public var currentDelay: Duration { .seconds(currentDelaySeconds ?? Self.seconds(configuration.minimumDelay)) }

    /// The delay the buffer is moving towards.
    public func targetDelay(roundTrip: Duration?, now: Duration) -> Duration {
        let recent = repairedFrames.count { now - $0.completed <= configuration.repairActivity }
        guard recent >= configuration.repairActivityMinimum else {
            return min(configuration.maximumDelay, configuration.minimumDelay + .seconds(estimatedVariation))
        }
        // Room for a retransmission: how late the frames that waited for one completed (above the fastest frames), a
        // high quantile of them. A retransmission (or the NACK) that is itself lost costs another round trip: at 5 %
        // loss on each hop one repaired frame in ten needs a second round, and a frame that misses its render time by
        // a round trip is a freeze. At least one round trip, at most `maximumRepairRounds`: more would only chase a sender that cannot
        // keep up, and cost glass-to-glass latency (issue 12's budget is 400 ms at the 95th percentile).
        let roundTrip = roundTrip ?? configuration.nack.defaultRoundTrip
        let variation = Duration.seconds(estimatedVariation)
        let heavy = heavyLossWeight
        let lateness = repairLateness + (heavyLossRepairLateness - repairLateness) * heavy
        let rounds = configuration.maximumRepairRounds + (configuration.heavyLossRepairRounds - configuration.maximumRepairRounds) * heavy
        let repairs = min(max(.seconds(lateness), variation + roundTrip), variation + roundTrip * rounds)
        return min(configuration.maximumDelay, configuration.minimumDelay + repairs)
    }

    /// The share of sequence numbers that were missing when a later one arrived, lately (0 until ~200 were seen).
    public var recentLoss: Double {
        sequenceSpan.advanced >= 200 ? Double(sequenceSpan.missing) / Double(sequenceSpan.advanced) : 0
    }

    /// 0 below `moderateLoss`, 1 from `heavyLoss` on.
    private var heavyLossWeight: Double {
        let band = configuration.heavyLoss - configuration.moderateLoss
        guard band > 0 else { return recentLoss >= configuration.heavyLoss ? 1 : 0 }
        return min(max((recentLoss - configuration.moderateLoss) / band, 0), 1)
    }

    /// Takes one received packet at `arrival`; malformed VP8 throws and changes nothing.
    public mutating func insert(_ packet: RTPPacket, arrival: Duration, roundTrip: Duration?) throws(RTPParseError) -> Actions {
        let (descriptor, dataOffset) = try VP8PayloadDescriptor.parse(packet.payload)
        if ssrc != packet.ssrc {
            resetStream()
            ssrc = packet.ssrc
        }
        counterValues.packetsReceived += 1
        lastArrival = arrival
        var actions = Actions()
        let previousHighest = nack.highestSequence
        let (update, _, requests) = nack.packetArrived(sequenceNumber: packet.sequenceNumber, rtpTimestamp: packet.timestamp,
                                                        now: arrival, roundTrip: roundTrip)
        apply(update, to: &actions, gapStart: previousHighest.map { $0 + 1 } ?? .min)
        guard let sequence = nack.extended(packet.sequenceNumber) else { return actions }
        if let previousHighest, sequence > previousHighest, sequence - previousHighest <= Int64(configuration.nack.maximumMissing) {
            sequenceSpan.advanced += Int(sequence - previousHighest)
            sequenceSpan.missing += Int(sequence - previousHighest - 1)
            if sequenceSpan.advanced >= 4000 { sequenceSpan = (sequenceSpan.advanced / 2, sequenceSpan.missing / 2) }
        }
        if let pictureID = descriptor.pictureID.map({ unwrapPictureID($0, long: descriptor.hasLongPictureID) }) {
            knownPictures[pictureID] = (descriptor.isNonReference, descriptor.temporalLayerIndex)
        }
        let stored = VP8FrameAssembler.Packet(rtpTimestamp: packet.timestamp, marker: packet.marker, descriptor: descriptor,
                                              data: packet.payload[dataOffset...], arrival: arrival,
                                              repairRound: nack.repairRound(afterRequests: requests))
        let (frame, accepted, overflowed) = assembler.insert(stored, sequence: sequence)
        if !accepted { counterValues.packetsDuplicate += 1 }
        if overflowed { waitForKeyframe(from: .min) }
        if let frame { add(frame) }
        let polled = poll(now: arrival, roundTrip: roundTrip)
        actions.frames += polled.frames
        actions.nacks = Array(Set(actions.nacks + polled.nacks)).sorted { sequenceOrder($0, $1) }
        actions.pictureLossIndication = actions.pictureLossIndication || polled.pictureLossIndication
        actions.nextPoll = polled.nextPoll
        if !actions.nacks.isEmpty && polled.nacks.isEmpty { counterValues.nackMessages += 1 }
        return actions
    }

    /// Hands out frames whose render time came, retries NACKs and PLIs that are due.
    public mutating func poll(now: Duration, roundTrip: Duration?) -> Actions {
        var actions = Actions()
        updateDelay(now: now, roundTrip: roundTrip)
        apply(nack.poll(now: now, roundTrip: roundTrip), to: &actions, gapStart: .max)
        var nextRender: Duration?
        while let index = pending.firstIndex(where: { isDecodable($0) }) {
            let render = renderTime(pending[index])
            guard render <= now else {
                nextRender = render
                break
            }
            // Frames before it can no longer be decoded: what they reference was lost.
            counterValues.framesMissingReference += index
            pending.removeFirst(index)
            let next = pending.removeFirst()
            if render < now - .milliseconds(10) { counterValues.framesLate += 1 }
            actions.frames.append(handOut(next, lateness: now - render))
        }
        if !needsKeyframe, let oldest = pending.first, !isDecodable(oldest), now - oldest.frame.completed >= configuration.nack.maximumAge {
            // Held as long as any repair may take and still not decodable, with nothing left to ask for that would
            // change it: libwebrtc's "no decodable frame for too long" — a key frame instead.
            waitForKeyframe(from: chain.map { $0.lastSequence + 1 } ?? .min)
        }
        if let from = keyframeNeededFrom {
            // Only a key frame can follow the break: delta frames after it are dropped as they complete.
            // Delta frames after a key frame that is waiting for its render time are kept: that key frame heals the break.
            let healer = pending.first { $0.frame.isKeyframe && $0.frame.lastSequence >= from }?.frame.firstSequence ?? .max
            let cannotDecode = { (entry: Pending) in
                !entry.frame.isKeyframe && entry.frame.lastSequence >= from && entry.frame.firstSequence < healer
            }
            counterValues.framesMissingReference += pending.filter(cannotDecode).count
            pending.removeAll(where: cannotDecode)
        }
        var deadlines = [nack.nextDeadline(roundTrip: roundTrip), nextRender].compactMap { $0 }
        if needsKeyframe, !awaitingFirstFrame, let lastArrival, now - lastArrival <= configuration.aliveTimeout {
            if let since = keyframeOnTheWay(now: now) {
                // Look again when the key frame on its way would be overdue (a packet arriving also polls).
                deadlines.append(since + configuration.nack.maximumAge)
            } else {
                if lastPictureLossIndication.map({ now - $0 >= configuration.keyframeRetryInterval }) ?? true {
                    actions.pictureLossIndication = true
                    lastPictureLossIndication = now
                    counterValues.pictureLossIndications += 1
                }
                let retry = (lastPictureLossIndication ?? now) + configuration.keyframeRetryInterval
                if retry <= lastArrival + configuration.aliveTimeout { deadlines.append(retry) }
            }
        }
        if !actions.nacks.isEmpty { counterValues.nackMessages += 1 }
        // Never now or earlier: the caller's timer would spin.
        actions.nextPoll = deadlines.min().map { max($0, now + .milliseconds(1)) }
        return actions
    }

    /// The frame handed out last could not be used (decode error, over a budget, too large): what follows needs a
    /// key frame. Returns true when a PLI should go out now.
    public mutating func decoderNeedsKeyframe(now: Duration) -> Bool {
        chain = nil
        waitForKeyframe(from: .min)
        return pictureLossDue(now: now)
    }

    /// A key frame is wanted now from outside (the node opened): true when a PLI should go out now.
    public mutating func requestKeyframe(now: Duration) -> Bool {
        waitForKeyframe(from: .min)
        return pictureLossDue(now: now)
    }

    /// The stream started over (new SSRC, or told so): start again at the next key frame. Counters stay.
    public mutating func resetStream() {
        assembler.reset()
        nack.reset()
        estimator.reset()
        estimatedBase = nil
        estimatedVariation = 0
        estimateRefreshed = nil
        pending = []
        chain = nil
        breaks = [.min]
        awaitingFirstFrame = true
        lastPictureLossIndication = nil
        keyframeOnTheWaySince = nil
        knownPictures = [:]
        highestPictureID = nil
        highestTimestamp = nil
        repairedFrames = []
        repairLateness = 0
        heavyLossRepairLateness = 0
        sequenceSpan = (0, 0)
        currentDelaySeconds = nil
        lastHandedOutMediaTime = nil
        ssrc = nil
    }

    // MARK: decodability

    private func isDecodable(_ entry: Pending) -> Bool {
        if entry.frame.isKeyframe { return true }
        if let from = keyframeNeededFrom, entry.frame.lastSequence >= from { return false }
        guard let chain, entry.frame.firstSequence > chain.lastSequence else { return false }
        let descriptor = entry.frame.descriptor
        guard let pictureID = entry.pictureID, let lastPictureID = chain.pictureID else {
            // Without PictureIDs: the frame must follow the last decoded one directly.
            return entry.frame.firstSequence == chain.lastSequence + 1
        }
        guard pictureID > lastPictureID, pictureID - lastPictureID <= 1000 else { return false }
        if let layer = descriptor.temporalLayerIndex, let tl0 = descriptor.tl0PictureIndex {
            // Temporal layers (conservative until layers are sent): a TL0 frame needs the previous TL0 frame; a
            // higher-layer frame needs its TL0 frame and, unless it is a layer sync, every frame since that is not
            // known to be of a higher layer or non-reference.
            guard let base = chain.tl0 else { return false }
            if layer == 0 { return base.index &+ 1 == tl0 }
            guard base.index == tl0 else { return false }
            if descriptor.isLayerSync { return true }
            return (base.pictureID + 1..<pictureID).allSatisfy { between in
                if chain.decoded[between] != nil { return true }
                guard let known = knownPictures[between] else { return false }
                return known.nonReference || (known.temporalLayer ?? 0) > layer
            }
        }
        // One layer: a delta frame references the last reference frame; frames since must be non-reference ones.
        let reference = chain.lastReferencePictureID ?? lastPictureID
        return (reference + 1..<pictureID).allSatisfy { between in
            chain.decoded[between] != nil || knownPictures[between]?.nonReference == true
        }
    }

    private mutating func handOut(_ entry: Pending, lateness: Duration) -> ReassembledVP8Frame {
        let frame = entry.frame
        let timing = VideoFrameTiming(
            lateness: lateness, repairRounds: frame.repairRounds, assembly: frame.completed - frame.firstArrival,
            completedAfterBase: estimatedBase.map { Duration.seconds(Self.seconds(frame.completed) - entry.mediaTime - $0) } ?? .zero,
            delay: currentDelay, mediaGap: lastHandedOutMediaTime.map { Duration.seconds(entry.mediaTime - $0) } ?? .zero,
            framesDroppedBefore: counterValues.framesMissingReference - framesMissingReferenceAtLastHandOut)
        lastHandedOutMediaTime = entry.mediaTime
        framesMissingReferenceAtLastHandOut = counterValues.framesMissingReference
        var next = chain ?? Chain(lastSequence: frame.lastSequence)
        if frame.isKeyframe { next = Chain(lastSequence: frame.lastSequence) }
        next.lastSequence = frame.lastSequence
        next.pictureID = entry.pictureID
        if let pictureID = entry.pictureID {
            if !frame.descriptor.isNonReference { next.lastReferencePictureID = pictureID }
            let layer = frame.isKeyframe ? 0 : frame.descriptor.temporalLayerIndex ?? 0
            if layer == 0, let tl0 = frame.descriptor.tl0PictureIndex { next.tl0 = (tl0, pictureID) }
            next.decoded[pictureID] = layer
            if next.decoded.count > 64 { next.decoded = next.decoded.filter { $0.key > pictureID - 64 } }
            knownPictures = knownPictures.filter { $0.key > pictureID }
        }
        let followsLoss = needsKeyframe || chain.map { frame.firstSequence != $0.lastSequence + 1 } ?? false
        chain = next
        if frame.isKeyframe {
            // A key frame references nothing: a break inside or before it is healed (a packet of it given up and then
            // come after all, too); a break after it is not.
            breaks.removeAll { $0 <= frame.lastSequence }
            if breaks.isEmpty { keyframeOnTheWaySince = nil }
            counterValues.keyframes += 1
        }
        // A copy of it (a duplicate completing the frame again) is no longer wanted.
        pending.removeAll { $0.frame.lastSequence <= frame.lastSequence }
        counterValues.framesDecodable += 1
        // Whatever is older than this frame is no longer wanted.
        assembler.discard(below: frame.lastSequence + 1)
        nack.forget(before: UInt16(truncatingIfNeeded: frame.lastSequence + 1))
        return ReassembledVP8Frame(
            data: frame.data, rtpTimestamp: frame.rtpTimestamp, ssrc: ssrc ?? 0, isKeyframe: frame.isKeyframe,
            width: frame.width, height: frame.height, pictureID: frame.descriptor.pictureID,
            isNonReference: frame.descriptor.isNonReference, followsLoss: followsLoss,
            firstSequenceNumber: UInt16(truncatingIfNeeded: frame.firstSequence),
            lastSequenceNumber: UInt16(truncatingIfNeeded: frame.lastSequence),
            temporalLayer: frame.descriptor.temporalLayerIndex, tl0PictureIndex: frame.descriptor.tl0PictureIndex, timing: timing)
    }

    // MARK: frames

    private mutating func add(_ frame: VP8FrameAssembler.Frame) {
        counterValues.framesAssembled += 1
        awaitingFirstFrame = false
        let mediaTime = Double(unwrapTimestamp(frame.rtpTimestamp)) / Double(configuration.nack.clockRate)
        let arrival = Self.seconds(frame.completed)
        estimator.record(arrival: arrival, mediaTime: mediaTime, countsForVariation: !frame.isKeyframe && !frame.repaired)
        if estimateRefreshed.map({ frame.completed - $0 >= Self.estimateRefreshInterval }) ?? true {
            estimatedBase = estimator.base
            estimatedVariation = estimator.variation
            estimateRefreshed = frame.completed
        }
        if frame.repaired, let base = estimatedBase {
            repairedFrames.append((frame.completed, max(0, arrival - mediaTime - base)))
            repairedFrames.removeAll { frame.completed - $0.completed > configuration.repairWindow }
            if repairedFrames.count > configuration.maximumRepairSamples { repairedFrames.removeFirst() }
            // Sorting is O(samples log samples): once per repaired frame, not per packet.
            let lateness = repairedFrames.map(\.lateness).sorted()
            let quantile = { (q: Double) in lateness[min(lateness.count - 1, Int((Double(lateness.count - 1) * q).rounded(.up)))] }
            repairLateness = quantile(configuration.repairQuantile)
            heavyLossRepairLateness = quantile(configuration.heavyLossRepairQuantile)
        }
        if let chain, frame.lastSequence <= chain.lastSequence { return }  // decided already
        guard !pending.contains(where: { $0.frame.firstSequence == frame.firstSequence }) else {
            counterValues.packetsDuplicate += 1  // its packets came again after it was complete
            return
        }
        let pictureID = frame.descriptor.pictureID.map { unwrapPictureID($0, long: frame.descriptor.hasLongPictureID) }
        let entry = Pending(frame: frame, pictureID: pictureID, mediaTime: mediaTime)
        let index = pending.firstIndex { $0.frame.firstSequence > frame.firstSequence } ?? pending.endIndex
        pending.insert(entry, at: index)
        if pending.count > configuration.maximumPendingFrames {
            // Held too long for a reference that is not coming: start over at a key frame.
            lastOverflowState = stateDescription
            counterValues.framesMissingReference += 1
            pending.removeFirst()
            waitForKeyframe(from: .min)
        }
    }

    private func renderTime(_ entry: Pending) -> Duration {
        let base = estimatedBase ?? (Self.seconds(entry.frame.completed) - entry.mediaTime)
        return .seconds(entry.mediaTime + base + (currentDelaySeconds ?? Self.seconds(configuration.minimumDelay)))
    }

    private mutating func updateDelay(now: Duration, roundTrip: Duration?) {
        let target = Self.seconds(targetDelay(roundTrip: roundTrip, now: now))
        defer { lastTimingUpdate = now }
        guard let current = currentDelaySeconds, let last = lastTimingUpdate else {
            currentDelaySeconds = target
            return
        }
        let elapsed = max(0, Self.seconds(now - last))
        if target > current {
            currentDelaySeconds = min(target, current + elapsed * configuration.delayIncreaseRate)
        } else {
            currentDelaySeconds = max(target, current - elapsed * configuration.delayDecreaseRate)
        }
    }

    // MARK: repair

    /// `gapStart`: the first number of a gap the update is about (for `keyframeNeeded`).
    private mutating func apply(_ update: NACKRequester.Update, to actions: inout Actions, gapStart: Int64) {
        actions.nacks += update.due
        let lastDecoded = chain?.lastSequence ?? Int64.min
        // A packet after the last decoded frame will not come: the frames from it on cannot be decoded.
        let needed = update.givenUp.compactMap { nack.extended($0) }.filter { $0 > lastDecoded }
        if update.keyframeNeeded {
            waitForKeyframe(from: min(gapStart, needed.min() ?? .max))
        } else if let first = needed.min() {
            waitForKeyframe(from: first)
        }
    }

    /// Frames from `sequence` on need a key frame (an earlier break stays).
    private mutating func waitForKeyframe(from sequence: Int64) {
        if !breaks.contains(sequence) {
            breaks.insert(sequence, at: breaks.firstIndex { $0 > sequence } ?? breaks.endIndex)
            if breaks.count > 64 { breaks.removeLast() }  // bounded; the first ones decide
        }
        awaitingFirstFrame = false
    }

    private mutating func pictureLossDue(now: Duration) -> Bool {
        guard lastPictureLossIndication.map({ now - $0 >= configuration.keyframeRetryInterval }) ?? true else { return false }
        lastPictureLossIndication = now
        counterValues.pictureLossIndications += 1
        return true
    }

    /// A key frame is on its way (its first packet is here, or it is complete and waits for its render time): another
    /// PLI would only bring a second key frame. Bounded by the NACK give-up time.
    /// Returns since when, nil when none is (or it is overdue).
    private mutating func keyframeOnTheWay(now: Duration) -> Duration? {
        guard assembler.holdsKeyframeStart || pending.contains(where: { $0.frame.isKeyframe }) else {
            keyframeOnTheWaySince = nil
            return nil
        }
        let since = keyframeOnTheWaySince ?? now
        keyframeOnTheWaySince = since
        return now - since < configuration.nack.maximumAge ? since : nil
    }

    // MARK: numbers

    private mutating func unwrapPictureID(_ value: UInt16, long: Bool) -> Int64 {
        let modulus: Int64 = long ? 1 << 15 : 1 << 7
        guard let highest = highestPictureID else {
            highestPictureID = Int64(value)
            return Int64(value)
        }
        var delta = (Int64(value) - highest) % modulus
        if delta < 0 { delta += modulus }
        if delta >= modulus / 2 { delta -= modulus }
        let unwrapped = highest + delta
        highestPictureID = max(highest, unwrapped)
        return unwrapped
    }

    private mutating func unwrapTimestamp(_ value: UInt32) -> Int64 {
        guard let highest = highestTimestamp else {
            highestTimestamp = Int64(value)
            return Int64(value)
        }
        let unwrapped = highest + Int64(Int32(bitPattern: value &- UInt32(truncatingIfNeeded: highest)))
        highestTimestamp = max(highest, unwrapped)
        return unwrapped
    }

    private func sequenceOrder(_ a: UInt16, _ b: UInt16) -> Bool {
        (nack.extended(a) ?? 0) < (nack.extended(b) ?? 0)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
