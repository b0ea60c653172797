/// What one datagram on a port that RTP and RTCP share is (RFC 5761 §4), read in place: RTP or RTCP with
/// consistent framing, or nil for anything else. Nothing is copied or allocated, so a router can classify every
/// datagram it forwards.
public enum RTPDatagramView {
    case rtp(RTPHeaderView)
    case rtcp(RTCPHeaderView)

    /// Nil for bytes that are neither version 2 RTP nor RTCP, or whose lengths do not add up.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 4 else { return nil }
        if RTCPHeaderView.isRTCPPacketType(bytes[1]) {
            guard let header = RTCPHeaderView(bytes) else { return nil }
            self = .rtcp(header)
        } else {
            guard let header = RTPHeaderView(bytes) else { return nil }
            self = .rtp(header)
        }
    }
}
