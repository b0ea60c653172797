/// What a datagram on the shared media port is, by its first byte (RFC 7983) and, for RTP/RTCP, its second
/// (RFC 5761: RTCP packet types 192–223 take the place of the marker bit and payload type).
public enum DatagramClass: Sendable, Equatable {
    case stun, dtls, rtp, rtcp, unknown

    public init(_ datagram: UnsafeRawBufferPointer) {
        guard let first = datagram.first else {
            self = .unknown
            return
        }
        switch first {
        case 0...3: self = .stun
        case 20...63: self = .dtls
        case 128...191:
            guard datagram.count >= 2 else {
                self = .unknown
                return
            }
            self = (192...223).contains(datagram[1]) ? .rtcp : .rtp
        default: self = .unknown  // ZRTP (16–19), TURN channels (64–79), QUIC: not spoken here
        }
    }
}
