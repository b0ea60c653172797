/// Transport-wide congestion control feedback: transport-layer feedback (PT 205) with FMT 15
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1). The receiver of a transport tells the sender, for a
/// run of transport-wide sequence numbers from `baseSequenceNumber`, which packets arrived and when (in 250 µs
/// ticks from `referenceTime`, a 24-bit signed count of 64 ms).
///
/// Packet status chunks are written as run-length chunks for runs of 14 or more, else one-bit (received small /
/// not received) or two-bit status vectors; receive deltas follow, one byte (0…63.75 ms) or two (signed).
public struct RTCPTransportFeedback: Sendable, Equatable {
    public static let packetType: UInt8 = 205
    public static let feedbackMessageType: UInt8 = 15
    public static let deltaTick = Duration.microseconds(250)
    public static let referenceTimeTick = Duration.milliseconds(64)

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var baseSequenceNumber: UInt16
    /// 24-bit signed, in 64 ms.
    public var referenceTime: Int32
    /// Counts the feedback packets sent, so the sender can tell one was lost (wraps at 256).
    public var feedbackPacketCount: UInt8
    /// One entry per sequence number from `baseSequenceNumber`: nil when the packet was not received, else its
    /// arrival minus the previous received packet's (the first: minus the reference time), in 250 µs ticks.
    public private(set) var receiveDeltas: [Int16?]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, referenceTime: Int32,
                feedbackPacketCount: UInt8, receiveDeltas: [Int16?]) throws(RTPParseError) {
        guard !receiveDeltas.isEmpty, receiveDeltas.count <= Int(UInt16.max) else {
            throw .invalidField("transport feedback about \(receiveDeltas.count) packets")
        }
        guard (-(1 << 23)..<(1 << 23)).contains(referenceTime) else {
            throw .invalidField("reference time \(referenceTime) is not 24-bit signed")
        }
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.baseSequenceNumber = baseSequenceNumber
        self.referenceTime = referenceTime
        self.feedbackPacketCount = feedbackPacketCount
        self.receiveDeltas = receiveDeltas
    }

    /// Each packet's sequence number and arrival time (nil: not received), on a clock where the reference time
    /// count 0 is `.zero` (only differences between a sender's feedbacks matter).
    public var arrivals: [(sequenceNumber: UInt16, arrival: Duration?)] {
        var time = Self.referenceTimeTick * Int(referenceTime)
        return receiveDeltas.enumerated().map { offset, delta in
            let number = baseSequenceNumber &+ UInt16(truncatingIfNeeded: offset)
            guard let delta else { return (number, nil) }
            time += Self.deltaTick * Int(delta)
            return (number, time)
        }
    }

    /// Status symbols (RFC draft §3.1.1): 0 not received, 1 small delta, 2 large or negative delta.
    private static func symbol(_ delta: Int16?) -> UInt8 {
        guard let delta else { return 0 }
        return (0...255).contains(delta) ? 1 : 2
    }

    init(body: inout ByteReader) throws(RTPParseError) {
        senderSSRC = try body.readUInt32()
        mediaSSRC = try body.readUInt32()
        baseSequenceNumber = try body.readUInt16()
        let statusCount = Int(try body.readUInt16())
        let reference = try body.readUInt32()
        referenceTime = Int32(bitPattern: reference) >> 8  // arithmetic shift keeps the 24-bit sign
        feedbackPacketCount = UInt8(truncatingIfNeeded: reference)
        guard statusCount > 0 else { throw .invalidField("transport feedback with a packet status count of 0") }
        var symbols: [UInt8] = []
        symbols.reserveCapacity(statusCount)
        while symbols.count < statusCount {
            let chunk = try body.readUInt16()
            let left = statusCount - symbols.count
            if chunk & 0x8000 == 0 {
                let symbol = UInt8(chunk >> 13 & 0x3)
                let run = Int(chunk & 0x1FFF)
                guard symbol != 3, run > 0 else { throw .invalidField("transport feedback run-length chunk \(chunk)") }
                symbols.append(contentsOf: repeatElement(symbol, count: min(run, left)))
            } else if chunk & 0x4000 == 0 {
                for bit in 0..<min(14, left) { symbols.append(UInt8(chunk >> (13 - bit) & 1)) }
            } else {
                for index in 0..<min(7, left) {
                    let symbol = UInt8(chunk >> (12 - 2 * index) & 0x3)
                    guard symbol != 3 else { throw .invalidField("transport feedback status symbol 3") }
                    symbols.append(symbol)
                }
            }
        }
        var deltas: [Int16?] = []
        deltas.reserveCapacity(statusCount)
        for symbol in symbols {
            switch symbol {
            case 1: deltas.append(Int16(try body.readUInt8()))
            case 2: deltas.append(Int16(bitPattern: try body.readUInt16()))
            default: deltas.append(nil)
            }
        }
        receiveDeltas = deltas
    }

    /// The packet status chunks for `receiveDeltas`.
    var chunks: [UInt16] {
        let symbols = receiveDeltas.map(Self.symbol)
        var chunks: [UInt16] = []
        var index = 0
        while index < symbols.count {
            var run = 1
            while index + run < symbols.count, run < 0x1FFF, symbols[index + run] == symbols[index] { run += 1 }
            if run >= 14 {
                chunks.append(UInt16(symbols[index]) << 13 | UInt16(run))
                index += run
                continue
            }
            let oneBit = symbols[index..<min(index + 14, symbols.count)]
            if !oneBit.contains(2) {
                var chunk: UInt16 = 0x8000
                for (bit, symbol) in oneBit.enumerated() { chunk |= UInt16(symbol) << (13 - bit) }
                chunks.append(chunk)
                index += oneBit.count
            } else {
                let twoBit = symbols[index..<min(index + 7, symbols.count)]
                var chunk: UInt16 = 0xC000
                for (position, symbol) in twoBit.enumerated() { chunk |= UInt16(symbol) << (12 - 2 * position) }
                chunks.append(chunk)
                index += twoBit.count
            }
        }
        return chunks
    }

    public func serialized() -> [UInt8] {
        var body: [UInt8] = []
        body.appendBigEndian(senderSSRC)
        body.appendBigEndian(mediaSSRC)
        body.appendBigEndian(baseSequenceNumber)
        body.appendBigEndian(UInt16(receiveDeltas.count))
        body.appendBigEndian(UInt32(bitPattern: referenceTime << 8) | UInt32(feedbackPacketCount))
        for chunk in chunks { body.appendBigEndian(chunk) }
        for delta in receiveDeltas {
            guard let delta else { continue }
            if Self.symbol(delta) == 1 {
                body.append(UInt8(delta))
            } else {
                body.appendBigEndian(UInt16(bitPattern: delta))
            }
        }
        return RTCPPacket.padded(packetType: Self.packetType, count: Self.feedbackMessageType, body: body)
    }
}
