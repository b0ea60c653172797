/// The fixed header of one RTP packet (RFC 3550 §5.1), read in place from the datagram's bytes: no copy, no
/// allocation. It exists only for bytes whose version is 2 and whose CSRC list, header extension and padding fit
/// the datagram, so every field below is a plain load.
///
/// It reads the bytes it was made from: use it only while they are valid (inside `withUnsafeBytes` and the like).
/// Whether bytes are RTP or RTCP at all is `RTPDatagramView`'s decision (RFC 5761).
public struct RTPHeaderView {
    private let bytes: UnsafeRawBufferPointer
    /// Fixed header, CSRCs and header extension.
    public let headerSize: Int

    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= RTPPacket.fixedHeaderSize, bytes[0] >> 6 == 2 else { return nil }
        let first = bytes[0]
        var headerSize = RTPPacket.fixedHeaderSize + 4 * Int(first & 0x0F)
        guard bytes.count >= headerSize else { return nil }
        if first & 0x10 != 0 {
            guard bytes.count >= headerSize + 4 else { return nil }
            headerSize += 4 + 4 * Int(bytes.bigEndianUInt16(at: headerSize + 2))
            guard bytes.count >= headerSize else { return nil }
        }
        if first & 0x20 != 0 {
            // The last byte counts the padding, itself included.
            guard bytes.count > headerSize, case let padding = Int(bytes[bytes.count - 1]),
                  padding >= 1, padding <= bytes.count - headerSize
            else { return nil }
        }
        self.bytes = bytes
        self.headerSize = headerSize
    }

    public var version: UInt8 { bytes[0] >> 6 }
    public var marker: Bool { bytes[1] & 0x80 != 0 }
    public var payloadType: UInt8 { bytes[1] & 0x7F }
    public var sequenceNumber: UInt16 { bytes.bigEndianUInt16(at: 2) }
    public var timestamp: UInt32 { bytes.bigEndianUInt32(at: 4) }
    public var ssrc: UInt32 { bytes.bigEndianUInt32(at: 8) }
}
