/// The SFU's word to a receiver about its downlink (docs/protocol.md §2): an RTCP APP packet (RFC 3550 §6.7, subtype 0,
/// name `TRDL`) with the server's estimate of what the receiver's downlink carries and, per video stream with temporal
/// layers it forwards, how many layers it sends now. Receivers show both in their statistics; anything else ignores
/// APP packets it does not know.
///
/// Body: sender SSRC, name, estimate (kbit/s, 32 bits), then per stream its SSRC and the layer count (8 bits, 3 zero
/// bytes).
public struct RTCPDownlinkReport: Sendable, Equatable {
    public static let packetType: UInt8 = 204
    public static let subtype: UInt8 = 0
    public static let name: [UInt8] = Array("TRDL".utf8)

    public struct StreamLayers: Sendable, Equatable {
        public var ssrc: UInt32
        /// Temporal layers forwarded (1: the base layer only).
        public var layerCount: UInt8

        public init(ssrc: UInt32, layerCount: UInt8) {
            self.ssrc = ssrc
            self.layerCount = layerCount
        }
    }

    public var senderSSRC: UInt32
    public var estimateKbps: UInt32
    public var streams: [StreamLayers]

    public init(senderSSRC: UInt32, estimateKbps: UInt32, streams: [StreamLayers]) {
        self.senderSSRC = senderSSRC
        self.estimateKbps = estimateKbps
        self.streams = streams
    }

    /// The report in a parsed RTCP packet, if it is one.
    public init?(_ packet: RTCPPacket) {
        guard case .other(Self.packetType, Self.subtype, let body) = packet, body.count >= 12, (body.count - 12) % 8 == 0,
              Array(body[4..<8]) == Self.name else { return nil }
        func word(_ offset: Int) -> UInt32 {
            UInt32(body[offset]) << 24 | UInt32(body[offset + 1]) << 16 | UInt32(body[offset + 2]) << 8 | UInt32(body[offset + 3])
        }
        senderSSRC = word(0)
        estimateKbps = word(8)
        streams = stride(from: 12, to: body.count, by: 8).map { StreamLayers(ssrc: word($0), layerCount: body[$0 + 4]) }
    }

    public func serialized() -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(12 + 8 * streams.count)
        body.appendBigEndian(senderSSRC)
        body += Self.name
        body.appendBigEndian(estimateKbps)
        for stream in streams {
            body.appendBigEndian(stream.ssrc)
            body += [stream.layerCount, 0, 0, 0]
        }
        return RTCPPacket.padded(packetType: Self.packetType, count: Self.subtype, body: body)
    }
}
