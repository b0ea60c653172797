extension ClientMediaConnection {
    /// What one datagram from the server was.
    public enum Received: Equatable {
        /// A check answer or a handshake record, taken here; `replies` go back to the server as they are.
        case control(replies: [[UInt8]])
        /// SRTP or SRTCP, decrypted in place: the first `length` bytes are now RTP (or RTCP).
        case media(length: Int, isRTCP: Bool)
        /// Not for this connection in its state: an unknown first byte, or media that does not decrypt.
        case dropped
    }

    /// One datagram from the server, demultiplexed by its first byte (RFC 7983). The one receive path of every
    /// client of the transport (trtcd's `MediaTransport`, the test and benchmark peers).
    public func receive(_ datagram: UnsafeMutableRawBufferPointer, now: ContinuousClock.Instant) -> Received {
        let kind = DatagramClass(UnsafeRawBufferPointer(datagram))
        switch kind {
        case .stun:
            _ = receiveSTUN(UnsafeRawBufferPointer(datagram), now: now)
            return .control(replies: [])
        case .dtls:
            return .control(replies: receiveDTLS(UnsafeRawBufferPointer(datagram), now: now).outgoing)
        case .rtp, .rtcp:
            guard state == .secure, let base = datagram.baseAddress else { return .dropped }
            let length = kind == .rtcp ? try? unprotectRTCP(base, length: datagram.count)
                : try? unprotectRTP(base, length: datagram.count)
            return length.map { .media(length: $0, isRTCP: kind == .rtcp) } ?? .dropped
        case .unknown:
            return .dropped
        }
    }

    /// An RTP or RTCP packet (told apart as RFC 5761 does) protected into a new datagram; nil before the
    /// connection is secure or when protecting fails.
    public func protect(_ packet: [UInt8]) -> [UInt8]? {
        guard state == .secure else { return nil }
        var datagram = packet + [UInt8](repeating: 0, count: Self.maxProtectionOverhead)
        let isRTCP = packet.withUnsafeBytes { DatagramClass($0) } == .rtcp
        let length = try? datagram.withUnsafeMutableBytes { raw in
            isRTCP ? try protectRTCP(raw.baseAddress!, length: packet.count, capacity: raw.count)
                : try protectRTP(raw.baseAddress!, length: packet.count, capacity: raw.count)
        }
        guard let length else { return nil }
        datagram.removeLast(datagram.count - length)
        return datagram
    }
}
