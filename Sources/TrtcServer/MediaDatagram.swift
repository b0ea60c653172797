import NIOCore

/// What a datagram on the media socket is, read from its first bytes without copying (docs/protocol.md §2).
/// The server only needs the SSRC to route, so it checks the RTP/RTCP framing itself instead of linking the
/// codec library (TrtcMedia) and allocating a parsed packet per datagram.
enum MediaDatagram: Equatable {
    /// "TRTB" · version · token.
    case bind(version: UInt8, token: MediaToken)
    case rtp(ssrc: UInt32)
    /// The SSRC of the first packet's sender.
    case rtcp(senderSsrc: UInt32)
    case malformed

    static let bindMagic: UInt32 = 0x5452_5442  // "TRTB"
    static let bindAnswerMagic: UInt32 = 0x5452_5441  // "TRTA"
    static let bindVersion: UInt8 = 1
    static let bindSize = 4 + 1 + MediaToken.byteCount

    init(_ buffer: ByteBuffer) {
        let start = buffer.readerIndex
        let count = buffer.readableBytes
        guard count >= 4, let word = buffer.getInteger(at: start, endianness: .big, as: UInt32.self) else {
            self = .malformed
            return
        }
        if word == Self.bindMagic {
            guard count == Self.bindSize, let version = buffer.getInteger(at: start + 4, as: UInt8.self),
                  let token = MediaToken(buffer, at: start + 5)
            else {
                self = .malformed
                return
            }
            self = .bind(version: version, token: token)
            return
        }
        let first = UInt8(truncatingIfNeeded: word >> 24)
        let second = UInt8(truncatingIfNeeded: word >> 16)
        guard first >> 6 == 2 else {
            self = .malformed
            return
        }
        // RFC 5761 §4: RTCP packet types 192…223 occupy what would be an RTP marker bit with payload type 64…95.
        if (192...223).contains(second) {
            self = Self.rtcp(buffer, start: start, count: count, lengthWords: Int(word & 0xFFFF))
        } else {
            self = Self.rtp(buffer, start: start, count: count, first: first)
        }
    }

    private static func rtp(_ buffer: ByteBuffer, start: Int, count: Int, first: UInt8) -> MediaDatagram {
        var headerSize = 12 + 4 * Int(first & 0x0F)
        guard count >= headerSize, let ssrc = buffer.getInteger(at: start + 8, endianness: .big, as: UInt32.self) else {
            return .malformed
        }
        if first & 0x10 != 0 {
            guard count >= headerSize + 4,
                  let words = buffer.getInteger(at: start + headerSize + 2, endianness: .big, as: UInt16.self)
            else { return .malformed }
            headerSize += 4 + 4 * Int(words)
            guard count >= headerSize else { return .malformed }
        }
        if first & 0x20 != 0 {
            guard count > headerSize, let padding = buffer.getInteger(at: start + count - 1, as: UInt8.self),
                  padding >= 1, Int(padding) <= count - headerSize
            else { return .malformed }
        }
        return .rtp(ssrc: ssrc)
    }

    /// Checks that the compound packet's first part fits and carries a sender SSRC; the rest is the receivers' business.
    private static func rtcp(_ buffer: ByteBuffer, start: Int, count: Int, lengthWords: Int) -> MediaDatagram {
        let length = (lengthWords + 1) * 4
        guard count >= 8, length >= 8, length <= count, count % 4 == 0,
              let ssrc = buffer.getInteger(at: start + 4, endianness: .big, as: UInt32.self)
        else { return .malformed }
        return .rtcp(senderSsrc: ssrc)
    }
}
