/// The packet side of the video jitter buffer (libwebrtc's `packet_buffer.cc`): keeps VP8 RTP packets by extended
/// sequence number and puts a frame together as soon as all of it is there — a run of consecutive sequence numbers
/// with one RTP timestamp, from a packet that starts the frame (S = 1, PID = 0 in the payload descriptor) to one with
/// the marker bit. Packets may arrive reordered or twice; frames come out in the order they complete.
///
/// Bounded: at most `capacity` packets; beyond that the oldest go (`overflowed` tells the caller, whose frames are
/// then lost). A value type without I/O.
public struct VP8FrameAssembler: Sendable {
    /// A complete frame and what the jitter buffer needs to know about it.
    public struct Frame: Sendable, Equatable {
        public var data: [UInt8]
        public var rtpTimestamp: UInt32
        public var firstSequence: Int64
        public var lastSequence: Int64
        public var isKeyframe: Bool
        public var width: Int?
        public var height: Int?
        /// The first packet's payload descriptor (PictureID, TL0PICIDX, TID, N, Y).
        public var descriptor: VP8PayloadDescriptor
        /// When its first and its last packet arrived.
        public var firstArrival: Duration
        public var completed: Duration
        /// The round of repair its slowest retransmitted packet came in (0: nothing of it was lost; 2 or more: a
        /// NACK or a retransmission was lost too; `NACKRequester.repairRound`).
        public var repairRounds: Int
        /// A packet of it came back after a NACK.
        public var repaired: Bool { repairRounds > 0 }
    }

    struct Packet: Sendable {
        var rtpTimestamp: UInt32
        var marker: Bool
        var descriptor: VP8PayloadDescriptor
        var data: ArraySlice<UInt8>
        var arrival: Duration
        /// The round of repair it came in (0: not a retransmission).
        var repairRound: Int
    }

    public let capacity: Int
    /// The longest frame searched for, in packets (a 1080p key frame is ~150 packets of 1200 bytes).
    static let maximumFramePackets: Int64 = 1024
    private var packets: [Int64: Packet] = [:]
    /// Packets numbered below this are no longer wanted (their frames were decided).
    private var floor: Int64?
    /// The numbers of the last frames completed: their packets coming again are duplicates, not a new frame.
    private var recentFrames: [ClosedRange<Int64>] = []
    static let completedRemembered = 64

    public init(capacity: Int = 2048) {
        self.capacity = max(capacity, 16)
    }

    public var packetCount: Int { packets.count }

    /// Stores one packet (sequence number already extended); returns the frame it completed, if any, and whether the
    /// oldest packets had to go. Duplicates and packets below the floor are ignored (`accepted` false).
    mutating func insert(_ packet: Packet, sequence: Int64) -> (frame: Frame?, accepted: Bool, overflowed: Bool) {
        if let floor, sequence < floor { return (nil, false, false) }
        guard packets[sequence] == nil, !recentFrames.contains(where: { $0.contains(sequence) }) else { return (nil, false, false) }
        packets[sequence] = packet
        var overflowed = false
        if packets.count > capacity {
            overflowed = true
            let excess = packets.count - capacity
            for key in packets.keys.sorted().prefix(excess) { packets.removeValue(forKey: key) }
            guard packets[sequence] != nil else { return (nil, true, true) }
        }
        return (completeFrame(around: sequence), true, overflowed)
    }

    /// Forgets every packet numbered below `sequence` (frames before it were shown or given up).
    mutating func discard(below sequence: Int64) {
        floor = max(floor ?? sequence, sequence)
        packets = packets.filter { $0.key >= sequence }
    }

    /// Whether an incomplete key frame is being received: a held packet starts a key frame.
    var holdsKeyframeStart: Bool {
        packets.values.contains { $0.descriptor.startsFrame && ($0.data.first.map { $0 & 0x01 == 0 } ?? false) }
    }

    public mutating func reset() {
        packets = [:]
        floor = nil
        recentFrames = []
    }

    private mutating func completeFrame(around sequence: Int64) -> Frame? {
        guard let packet = packets[sequence] else { return nil }
        let timestamp = packet.rtpTimestamp
        var start = sequence
        while !(packets[start]?.descriptor.startsFrame ?? false) {
            guard sequence - start < Self.maximumFramePackets, let previous = packets[start - 1], previous.rtpTimestamp == timestamp
            else { return nil }
            start -= 1
        }
        var end = sequence
        while !(packets[end]?.marker ?? false) {
            guard end - start < Self.maximumFramePackets, let following = packets[end + 1], following.rtpTimestamp == timestamp
            else { return nil }
            end += 1
        }
        let descriptor = packets[start]!.descriptor
        var data: [UInt8] = []
        var firstArrival = packet.arrival
        var completed = packet.arrival
        var repairRounds = 0
        data.reserveCapacity((start...end).reduce(0) { $0 + (packets[$1]?.data.count ?? 0) })
        for number in start...end {
            guard let part = packets.removeValue(forKey: number) else { continue }
            data.append(contentsOf: part.data)
            firstArrival = min(firstArrival, part.arrival)
            completed = max(completed, part.arrival)
            repairRounds = max(repairRounds, part.repairRound)
        }
        recentFrames.append(start...end)
        if recentFrames.count > Self.completedRemembered { recentFrames.removeFirst() }
        let header = try? VP8FrameHeader(parsing: data[...])
        return Frame(data: data, rtpTimestamp: timestamp, firstSequence: start, lastSequence: end,
                     isKeyframe: header?.isKeyframe ?? false, width: header?.width, height: header?.height,
                     descriptor: descriptor, firstArrival: firstArrival, completed: completed, repairRounds: repairRounds)
    }
}
