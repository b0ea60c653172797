import NIOCore
import TrtcRTP

/// What a datagram on the media socket is, read from its first bytes without copying (docs/protocol.md §2).
/// The server only needs the SSRC to route: RTP and RTCP are told apart and their framing checked in place by
/// TrtcRTP's `RTPDatagramView`; the bind message is the server's own.
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
        if buffer.getInteger(at: start, endianness: .big, as: UInt32.self) == Self.bindMagic {
            guard count == Self.bindSize, let version = buffer.getInteger(at: start + 4, as: UInt8.self),
                  let token = MediaToken(buffer, at: start + 5)
            else {
                self = .malformed
                return
            }
            self = .bind(version: version, token: token)
            return
        }
        self = buffer.withUnsafeReadableBytes { bytes in
            switch RTPDatagramView(bytes) {
            case .rtp(let header): .rtp(ssrc: header.ssrc)
            case .rtcp(let header): .rtcp(senderSsrc: header.senderSSRC)
            case nil: .malformed
            }
        }
    }
}
