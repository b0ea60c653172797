/// Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb-03): payload-specific feedback (PT 206, FMT 15,
/// application layer feedback with the identifier "REMB"). trtc-server sends it to a publisher whose every receiver
/// is behind a link narrower than the stream (docs/congestion-control.md): the most the streams named in `ssrcs`
/// together should use, in bits per second of RTP.
///
/// The bitrate is a 6-bit exponent and an 18-bit mantissa (`mantissa << exponent`): exact up to 262,143 bit/s,
/// rounded down beyond.
public struct RTCPReceiverEstimatedMaximumBitrate: Sendable, Equatable {
    public static let packetType: UInt8 = 206
    public static let feedbackMessageType: UInt8 = 15
    static let identifier: [UInt8] = Array("REMB".utf8)
    static let maximumMantissa: UInt64 = (1 << 18) - 1
    /// The largest bitrate a REMB written here carries (a full mantissa at exponent 46).
    static let largest: UInt64 = maximumMantissa << 46

    public var senderSSRC: UInt32
    /// Bits per second (as encoded: `mantissa << exponent`).
    public var bitrate: UInt64
    public var ssrcs: [UInt32]

    /// `bitrate` is rounded down to what the packet can carry; at most 255 SSRCs are kept.
    public init(senderSSRC: UInt32, bitrate: UInt64, ssrcs: [UInt32]) {
        self.senderSSRC = senderSSRC
        let (exponent, mantissa) = Self.encode(bitrate)
        self.bitrate = mantissa << exponent
        self.ssrcs = Array(ssrcs.prefix(255))
    }

    /// The body after the common header: sender SSRC, media SSRC (0), "REMB", count, exponent and mantissa, SSRCs.
    init(body: inout ByteReader) throws(RTPParseError) {
        senderSSRC = try body.readUInt32()
        _ = try body.readUInt32()
        let identifier = [try body.readUInt8(), try body.readUInt8(), try body.readUInt8(), try body.readUInt8()]
        guard identifier == Self.identifier else { throw .invalidField("application layer feedback that is not REMB") }
        let count = Int(try body.readUInt8())
        let packed = UInt32(try body.readUInt8()) << 16 | UInt32(try body.readUInt16())
        let exponent = UInt64(packed >> 18)
        let mantissa = UInt64(packed & 0x3FFFF)
        // A 6-bit exponent over an 18-bit mantissa can exceed 64 bits: such a bitrate is read as the largest one this
        // type writes (so that what is read is written back the same: the rtcp fuzzer's invariant).
        bitrate = mantissa == 0 || UInt64(mantissa.leadingZeroBitCount) >= exponent ? mantissa << exponent : Self.largest
        ssrcs = []
        for _ in 0..<count { ssrcs.append(try body.readUInt32()) }
    }

    /// Whether an application layer feedback body (after the common header) is REMB's.
    static func isREMB(_ bytes: [UInt8], body: Range<Int>) -> Bool {
        body.count >= 12 && Array(bytes[body.lowerBound + 8..<body.lowerBound + 12]) == identifier
    }

    static func encode(_ bitrate: UInt64) -> (exponent: UInt64, mantissa: UInt64) {
        var exponent: UInt64 = 0
        while bitrate >> exponent > maximumMantissa { exponent += 1 }
        return (exponent, bitrate >> exponent)
    }

    public func serialized() -> [UInt8] {
        let (exponent, mantissa) = Self.encode(bitrate)
        var bytes = RTCPPacket.header(count: Int(Self.feedbackMessageType), packetType: Self.packetType,
                                      bodyLength: 16 + 4 * ssrcs.count)
        bytes.appendBigEndian(senderSSRC)
        bytes.appendBigEndian(UInt32(0))
        bytes.append(contentsOf: Self.identifier)
        bytes.append(UInt8(ssrcs.count))
        bytes.append(UInt8(exponent << 2) | UInt8(mantissa >> 16))
        bytes.appendBigEndian(UInt16(truncatingIfNeeded: mantissa))
        for ssrc in ssrcs { bytes.appendBigEndian(ssrc) }
        return bytes
    }
}
