/// Generic NACK: transport-layer feedback (PT 205) with FMT 1 (RFC 4585 §6.2.1). A receiver names the RTP sequence
/// numbers of `mediaSSRC` it is missing; the sender sends those packets again.
public struct RTCPGenericNACK: Sendable, Equatable {
    public static let packetType: UInt8 = 205
    public static let feedbackMessageType: UInt8 = 1

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    /// The missing sequence numbers, in the order they are written (each PID with its bitmask of the next 16).
    public private(set) var sequenceNumbers: [UInt16]

    /// At most 100 numbers per packet keeps it small; more are for the next NACK.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, sequenceNumbers: [UInt16]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.sequenceNumbers = Array(sequenceNumbers.prefix(100))
    }

    init(body: inout ByteReader) throws(RTPParseError) {
        senderSSRC = try body.readUInt32()
        mediaSSRC = try body.readUInt32()
        var numbers: [UInt16] = []
        while body.remaining >= 4 {
            let packetID = try body.readUInt16()
            let lostBitmask = try body.readUInt16()
            numbers.append(packetID)
            for bit in 0..<16 where lostBitmask & (1 << bit) != 0 { numbers.append(packetID &+ UInt16(bit + 1)) }
        }
        guard !numbers.isEmpty else { throw .invalidField("generic NACK without a sequence number") }
        sequenceNumbers = numbers
    }

    /// FCI entries: each PID with the following 16 numbers folded into its bitmask (in wrap-around order).
    var entries: [(packetID: UInt16, bitmask: UInt16)] {
        var entries: [(packetID: UInt16, bitmask: UInt16)] = []
        for number in sequenceNumbers {
            if let last = entries.last, case let distance = number &- last.packetID, distance >= 1, distance <= 16 {
                entries[entries.count - 1].bitmask |= 1 << (distance - 1)
            } else {
                entries.append((number, 0))
            }
        }
        return entries
    }

    public func serialized() -> [UInt8] {
        let entries = entries
        var bytes = RTCPPacket.header(count: Int(Self.feedbackMessageType), packetType: Self.packetType, bodyLength: 8 + 4 * entries.count)
        bytes.appendBigEndian(senderSSRC)
        bytes.appendBigEndian(mediaSSRC)
        for entry in entries {
            bytes.appendBigEndian(entry.packetID)
            bytes.appendBigEndian(entry.bitmask)
        }
        return bytes
    }
}
