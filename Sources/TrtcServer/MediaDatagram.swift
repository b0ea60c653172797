import NIOCore
import TrtcRTP

/// What a decrypted media datagram is, read from its first bytes without copying (docs/protocol.md §2).
/// The server only needs the SSRC to route: RTP and RTCP are told apart and their framing checked in place by
/// TrtcRTP's `RTPDatagramView`.
enum MediaDatagram: Equatable {
    case rtp(ssrc: UInt32)
    /// The SSRC of the first packet's sender.
    case rtcp(senderSsrc: UInt32)
    case malformed

    init(_ buffer: ByteBuffer) {
        self = buffer.withUnsafeReadableBytes { bytes in
            switch RTPDatagramView(bytes) {
            case .rtp(let header): .rtp(ssrc: header.ssrc)
            case .rtcp(let header): .rtcp(senderSsrc: header.senderSSRC)
            case nil: .malformed
            }
        }
    }
}
