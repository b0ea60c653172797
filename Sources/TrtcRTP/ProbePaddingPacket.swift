/// The packets a bandwidth probe is made of (`ProbeCluster`): padding-only RTP packets (RFC 3550 §5.1, P bit, the
/// payload all padding) on an SSRC of their own, so they take no sequence numbers from the media streams and
/// receivers never see them. trtc-server counts their transport-wide numbers in its feedback and drops them
/// (docs/congestion-control.md "Probing").
public enum ProbePaddingPacket {
    /// RFC 3550's padding count is one byte.
    public static let maximumPadding = 255

    /// A padding-only packet: `padding` bytes (1–255) after a 12-byte header.
    public static func make(ssrc: UInt32, sequenceNumber: UInt16, timestamp: UInt32, payloadType: UInt8,
                            padding: Int = maximumPadding) -> [UInt8] {
        let count = min(max(padding, 1), maximumPadding)
        var packet: [UInt8] = [0xA0, payloadType & 0x7F,
                               UInt8(truncatingIfNeeded: sequenceNumber >> 8), UInt8(truncatingIfNeeded: sequenceNumber)]
        for shift in stride(from: 24, through: 0, by: -8) { packet.append(UInt8(truncatingIfNeeded: timestamp >> UInt32(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { packet.append(UInt8(truncatingIfNeeded: ssrc >> UInt32(shift))) }
        packet.append(contentsOf: repeatElement(0, count: count - 1))
        packet.append(UInt8(count))
        return packet
    }

    /// Whether plain RTP bytes carry nothing but padding.
    public static func isPaddingOnly(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let header = RTPHeaderView(bytes), bytes[0] & 0x20 != 0 else { return false }
        return Int(bytes[bytes.count - 1]) == bytes.count - header.headerSize
    }
}
