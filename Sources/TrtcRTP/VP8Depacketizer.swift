/// Puts VP8 frames back together from RTP packets (RFC 7741) that may arrive reordered,
/// duplicated or not at all. Frames come out whole and in order. A missing packet is taken as lost
/// (its frame counted in `framesDropped`) once `reorderToleranceFrames` later frames are complete
/// and `reorderTolerancePackets` newer packets have arrived: a reordered packet has that long
/// to turn up, however small or large the frames are. Until the first key
/// frame nothing is delivered, since a decoder cannot start on a delta frame.
/// Not thread-safe; one per received stream.
public struct VP8Depacketizer: Sendable {
    public let reorderToleranceFrames: Int
    public let reorderTolerancePackets: Int
    public let maximumBufferedPackets: Int
    public private(set) var framesDelivered = 0
    /// Frames given up on (incomplete, or missing entirely between delivered frames).
    public private(set) var framesDropped = 0

    private struct BufferedPacket: Sendable {
        var descriptor: VP8PayloadDescriptor
        var data: ArraySlice<UInt8>
    }

    private struct PendingFrame: Sendable {
        let rtpTimestamp: UInt32
        var packets: [Int64: BufferedPacket] = [:]
        var lowestSequence: Int64
        var highestSequence: Int64
        var startSequence: Int64?
        var endSequence: Int64?

        var isComplete: Bool {
            guard let startSequence, let endSequence, endSequence >= startSequence,
                  packets.count >= Int(endSequence - startSequence + 1)
            else { return false }
            return (startSequence...endSequence).allSatisfy { packets[$0] != nil }
        }

        var isKeyframe: Bool {
            guard let startSequence, let first = packets[startSequence]?.data.first else { return false }
            return first & 0x01 == 0
        }
    }

    private var ssrc: UInt32?
    private var pendingFrames: [PendingFrame] = []
    private var bufferedPacketCount = 0
    private var highestSequence: Int64?
    private var nextExpectedSequence: Int64?
    private var discardedTimestamps: [UInt32] = []
    private var lossSinceLastDelivery = false
    /// A key frame went out, so delta frames are worth delivering.
    private var keyframeDelivered = false

    public init(reorderToleranceFrames: Int = 3, reorderTolerancePackets: Int = 10, maximumBufferedPackets: Int = 2048) {
        self.reorderToleranceFrames = max(reorderToleranceFrames, 1)
        self.reorderTolerancePackets = max(reorderTolerancePackets, 1)
        self.maximumBufferedPackets = max(maximumBufferedPackets, 16)
    }

    /// Takes one received packet; returns the frames it completed, oldest first.
    /// Malformed VP8 payloads throw and leave the state unchanged.
    public mutating func insert(_ packet: RTPPacket) throws(RTPParseError) -> [ReassembledVP8Frame] {
        let (descriptor, dataOffset) = try VP8PayloadDescriptor.parse(packet.payload)
        if ssrc != packet.ssrc {
            // A new stream (or a restarted sender): nothing buffered belongs to it.
            reset()
            ssrc = packet.ssrc
        }
        var sequence = unwrap(packet.sequenceNumber)
        if let next = nextExpectedSequence, sequence < next - 3000 {
            // Far behind anything plausible for reordering: the sender restarted its numbering.
            reset()
            ssrc = packet.ssrc
            sequence = unwrap(packet.sequenceNumber)
        }
        if let next = nextExpectedSequence, sequence < next { return [] }
        if discardedTimestamps.contains(packet.timestamp) { return [] }

        let buffered = BufferedPacket(descriptor: descriptor, data: packet.payload[dataOffset...])
        if let index = pendingFrames.firstIndex(where: { $0.rtpTimestamp == packet.timestamp }) {
            guard pendingFrames[index].packets[sequence] == nil else { return [] }
            pendingFrames[index].packets[sequence] = buffered
            pendingFrames[index].lowestSequence = min(pendingFrames[index].lowestSequence, sequence)
            pendingFrames[index].highestSequence = max(pendingFrames[index].highestSequence, sequence)
            if descriptor.startsFrame { pendingFrames[index].startSequence = sequence }
            if packet.marker { pendingFrames[index].endSequence = sequence }
        } else {
            var frame = PendingFrame(rtpTimestamp: packet.timestamp, lowestSequence: sequence, highestSequence: sequence)
            frame.packets[sequence] = buffered
            if descriptor.startsFrame { frame.startSequence = sequence }
            if packet.marker { frame.endSequence = sequence }
            pendingFrames.append(frame)
        }
        bufferedPacketCount += 1
        pendingFrames.sort { $0.lowestSequence < $1.lowestSequence }
        return deliverReadyFrames()
    }

    /// Forgets everything buffered (e.g. when the sender changes).
    public mutating func reset() {
        ssrc = nil
        pendingFrames.removeAll()
        bufferedPacketCount = 0
        highestSequence = nil
        nextExpectedSequence = nil
        discardedTimestamps.removeAll()
        lossSinceLastDelivery = false
        keyframeDelivered = false
    }

    private mutating func deliverReadyFrames() -> [ReassembledVP8Frame] {
        var delivered: [ReassembledVP8Frame] = []
        while let head = pendingFrames.first {
            let headComplete = head.isComplete
            let headUsable = headComplete && (keyframeDelivered || head.isKeyframe)
            if headUsable {
                let continuous = nextExpectedSequence.map { head.startSequence == $0 } ?? true
                if continuous {
                    delivered.append(deliverHead())
                    continue
                }
            }
            let completeBehind = pendingFrames.dropFirst().lazy.filter(\.isComplete).count
            let packetsSinceMissing = (highestSequence ?? 0) - firstMissingSequence(head)
            let reorderWindowPassed = completeBehind >= reorderToleranceFrames && packetsSinceMissing >= reorderTolerancePackets
            let gapAfterGivenUpFrame = headUsable && nextExpectedSequence != nil && lossSinceLastDelivery
            guard reorderWindowPassed || bufferedPacketCount > maximumBufferedPackets || gapAfterGivenUpFrame else { break }
            if headUsable {
                // The head is whole; what went missing is a frame before it.
                if !lossSinceLastDelivery { framesDropped += 1 }
                lossSinceLastDelivery = true
                delivered.append(deliverHead())
            } else {
                dropHead()
            }
        }
        return delivered
    }

    /// The oldest sequence number that keeps `frame` (the head) from being delivered.
    private func firstMissingSequence(_ frame: PendingFrame) -> Int64 {
        if let next = nextExpectedSequence, frame.lowestSequence > next { return next }
        guard frame.startSequence != nil else { return frame.lowestSequence }
        let last = frame.endSequence ?? frame.highestSequence + 1
        // A gap must show up within as many positions as there are packets.
        let searchEnd = min(max(last, frame.lowestSequence), frame.lowestSequence + Int64(frame.packets.count))
        return (frame.lowestSequence...searchEnd).first { frame.packets[$0] == nil } ?? last
    }

    private mutating func deliverHead() -> ReassembledVP8Frame {
        let frame = pendingFrames.removeFirst()
        bufferedPacketCount -= frame.packets.count
        // Only called for complete frames, whose start and end are known.
        let start = frame.startSequence ?? frame.lowestSequence
        let end = frame.endSequence ?? frame.highestSequence
        var data: [UInt8] = []
        data.reserveCapacity((start...end).reduce(0) { $0 + (frame.packets[$1]?.data.count ?? 0) })
        for sequence in start...end {
            if let packet = frame.packets[sequence] { data.append(contentsOf: packet.data) }
        }
        let first = frame.packets[start]
        let header = first.flatMap { try? VP8FrameHeader(parsing: $0.data) }
        nextExpectedSequence = end + 1
        framesDelivered += 1
        if header?.isKeyframe == true { keyframeDelivered = true }
        defer { lossSinceLastDelivery = false }
        return ReassembledVP8Frame(
            data: data, rtpTimestamp: frame.rtpTimestamp, ssrc: ssrc ?? 0,
            isKeyframe: header?.isKeyframe ?? false, width: header?.width, height: header?.height,
            pictureID: first?.descriptor.pictureID, isNonReference: first?.descriptor.isNonReference ?? false,
            followsLoss: lossSinceLastDelivery,
            firstSequenceNumber: UInt16(truncatingIfNeeded: start), lastSequenceNumber: UInt16(truncatingIfNeeded: end))
    }

    private mutating func dropHead() {
        let frame = pendingFrames.removeFirst()
        bufferedPacketCount -= frame.packets.count
        framesDropped += 1
        lossSinceLastDelivery = true
        let after = (frame.endSequence ?? frame.highestSequence) + 1
        nextExpectedSequence = max(nextExpectedSequence ?? after, after)
        // Stragglers of this frame must not start a new, forever-incomplete frame.
        discardedTimestamps.append(frame.rtpTimestamp)
        if discardedTimestamps.count > 16 { discardedTimestamps.removeFirst() }
    }

    private mutating func unwrap(_ sequenceNumber: UInt16) -> Int64 {
        guard let highest = highestSequence else {
            highestSequence = Int64(sequenceNumber)
            return Int64(sequenceNumber)
        }
        let delta = Int64(Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: highest)))
        let extended = highest + delta
        if extended > highest { highestSequence = extended }
        return extended
    }
}
