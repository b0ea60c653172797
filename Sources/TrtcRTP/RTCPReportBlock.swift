/// One reception report block of an SR or RR (RFC 3550 §6.4.1).
public struct RTCPReportBlock: Sendable, Equatable {
    public static let size = 24

    public var ssrc: UInt32
    /// Fraction of packets lost since the previous report, in 1/256 units.
    public var fractionLost: UInt8
    /// Total packets lost (24-bit signed on the wire; clamped when written).
    public var cumulativeLost: Int32
    public var extendedHighestSequenceNumber: UInt32
    public var interarrivalJitter: UInt32
    /// Middle 32 bits of the last SR's NTP time (0 if none yet).
    public var lastSenderReport: UInt32
    /// Delay since that SR, in 1/65536 s.
    public var delaySinceLastSenderReport: UInt32

    public init(
        ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0, extendedHighestSequenceNumber: UInt32 = 0,
        interarrivalJitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0
    ) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequenceNumber = extendedHighestSequenceNumber
        self.interarrivalJitter = interarrivalJitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    init(reading reader: inout ByteReader) throws(RTPParseError) {
        ssrc = try reader.readUInt32()
        let lossWord = try reader.readUInt32()
        fractionLost = UInt8(lossWord >> 24)
        // Sign-extend the 24-bit count.
        cumulativeLost = Int32(bitPattern: lossWord << 8) >> 8
        extendedHighestSequenceNumber = try reader.readUInt32()
        interarrivalJitter = try reader.readUInt32()
        lastSenderReport = try reader.readUInt32()
        delaySinceLastSenderReport = try reader.readUInt32()
    }

    func write(to bytes: inout [UInt8]) {
        bytes.appendBigEndian(ssrc)
        let lost = min(max(cumulativeLost, -0x80_0000), 0x7F_FFFF)
        bytes.appendBigEndian(UInt32(fractionLost) << 24 | UInt32(bitPattern: lost) & 0xFF_FFFF)
        bytes.appendBigEndian(extendedHighestSequenceNumber)
        bytes.appendBigEndian(interarrivalJitter)
        bytes.appendBigEndian(lastSenderReport)
        bytes.appendBigEndian(delaySinceLastSenderReport)
    }
}
