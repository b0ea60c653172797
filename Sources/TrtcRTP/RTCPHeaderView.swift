/// The header of the first packet of one RTCP compound datagram (RFC 3550 §6.4), read in place from the
/// datagram's bytes: no copy, no allocation. It exists only for bytes whose version is 2, whose length is whole
/// words, and whose first packet fits and carries a sender SSRC; the packets after it are not looked at.
///
/// It reads the bytes it was made from: use it only while they are valid (inside `withUnsafeBytes` and the like).
/// Whether bytes are RTP or RTCP at all is `RTPDatagramView`'s decision (RFC 5761).
public struct RTCPHeaderView {
    private let bytes: UnsafeRawBufferPointer

    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 8, bytes.count % 4 == 0, bytes[0] >> 6 == 2 else { return nil }
        let length = (Int(bytes.bigEndianUInt16(at: 2)) + 1) * 4
        guard length >= 8, length <= bytes.count else { return nil }
        self.bytes = bytes
    }

    /// RFC 5761 §4: RTCP packet types 192…223 occupy what would be an RTP marker bit with payload type 64…95, which
    /// RTP therefore leaves unused; any other second byte is RTP.
    public static func isRTCPPacketType(_ secondByte: UInt8) -> Bool {
        (192...223).contains(secondByte)
    }

    public var version: UInt8 { bytes[0] >> 6 }
    /// The 5-bit count (reception report count, or feedback message type for PT 205/206).
    public var count: UInt8 { bytes[0] & 0x1F }
    public var packetType: UInt8 { bytes[1] }
    /// The first packet's size in bytes, header included.
    public var length: Int { (Int(bytes.bigEndianUInt16(at: 2)) + 1) * 4 }
    /// The SSRC of the packet's sender (of the report, of the feedback, of the SDES chunk or BYE).
    public var senderSSRC: UInt32 { bytes.bigEndianUInt32(at: 4) }
}
