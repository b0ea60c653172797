/// Which RTP packets got through, per stream: the network lab counts what a relay delivered so that a benchmark
/// knows the loss that remained after every repair (the receiver's NACKs answered by the server, the server's by the
/// publisher). SRTP leaves the RTP header in the clear, so the SSRC, payload type and sequence number are readable
/// on the wire. A value, fed with datagrams; no I/O.
///
/// A datagram counts as RTP when its first byte says version 2 (128…191, RFC 7983) and its second byte's payload
/// type is outside 64…95, the range RTCP's packet types fall in when multiplexed (RFC 5761). Sequence numbers are
/// extended over wrap-around against the highest seen (RFC 3550 A.1); every distinct one is remembered, so a run of
/// minutes costs a few hundred kilobytes.
public struct RTPDeliveryLedger: Sendable {
    public struct Stream: Sendable, Equatable {
        public var ssrc: UInt32
        public var payloadType: UInt8
        /// Packets numbered from the first delivered to the highest delivered: what the receiver should have got.
        public var expected: Int { Int(highest - first) + 1 }
        /// Distinct sequence numbers delivered.
        public var distinct: Int
        /// Datagrams delivered again with a number already delivered (retransmissions of packets that were not lost).
        public var duplicates: Int
        /// Never delivered (so far): what no repair recovered.
        public var missing: Int { max(0, expected - distinct) }
        var first: Int64
        var highest: Int64
    }

    private var streams: [UInt32: Stream] = [:]
    private var seen: [UInt32: Set<Int64>] = [:]

    public init() {}

    /// Every stream seen so far.
    public var all: [Stream] { streams.values.sorted { $0.ssrc < $1.ssrc } }

    public subscript(ssrc: UInt32) -> Stream? { streams[ssrc] }

    /// Whether these bytes are an RTP packet (not RTCP, STUN or DTLS), with its SSRC, payload type and sequence number.
    public static func header(of datagram: some Collection<UInt8>) -> (ssrc: UInt32, payloadType: UInt8, sequenceNumber: UInt16)? {
        guard datagram.count >= 12 else { return nil }
        var bytes = datagram.prefix(12).makeIterator()
        guard let first = bytes.next(), let second = bytes.next(), (128...191).contains(first) else { return nil }
        let payloadType = second & 0x7F
        guard !(64...95).contains(payloadType) else { return nil }
        let sequence = UInt16(bytes.next()!) << 8 | UInt16(bytes.next()!)
        for _ in 0..<4 { _ = bytes.next() }  // timestamp
        var ssrc: UInt32 = 0
        for _ in 0..<4 { ssrc = ssrc << 8 | UInt32(bytes.next()!) }
        return (ssrc, payloadType, sequence)
    }

    /// Records one delivered datagram; anything but RTP is ignored.
    public mutating func record(_ datagram: some Collection<UInt8>) {
        guard let (ssrc, payloadType, sequenceNumber) = Self.header(of: datagram) else { return }
        guard var stream = streams[ssrc] else {
            streams[ssrc] = Stream(ssrc: ssrc, payloadType: payloadType, distinct: 1, duplicates: 0,
                                   first: Int64(sequenceNumber), highest: Int64(sequenceNumber))
            seen[ssrc] = [Int64(sequenceNumber)]
            return
        }
        // The extended number nearest to the highest seen.
        let delta = Int64(Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: stream.highest)))
        let extended = stream.highest + delta
        if seen[ssrc, default: []].insert(extended).inserted {
            stream.distinct += 1
            stream.highest = max(stream.highest, extended)
            stream.first = min(stream.first, extended)
        } else {
            stream.duplicates += 1
        }
        streams[ssrc] = stream
    }
}
