/// Stamps outgoing packets of one RTP stream: SSRC, payload type, sequence numbers and
/// timestamps starting at random values (RFC 3550 §5.1), and counts what was sent for sender reports.
public struct RTPSequencer: Sendable {
    public let ssrc: UInt32
    public let payloadType: UInt8
    /// RTP clock rate in Hz (90000 for video, 48000 for Opus).
    public let clockRate: Int
    /// Added to every media timestamp so the stream starts at a random RTP time.
    public let timestampOffset: UInt32
    public private(set) var nextSequenceNumber: UInt16
    /// Packets sent (RFC 3550 sender's packet count).
    public private(set) var packetCount: UInt32 = 0
    /// Payload octets sent, excluding headers and padding (RFC 3550 sender's octet count).
    public private(set) var octetCount: UInt32 = 0
    /// RTP timestamp of the latest packet, if any.
    public private(set) var lastTimestamp: UInt32?

    public init(
        ssrc: UInt32 = .random(in: 1...UInt32.max), payloadType: UInt8, clockRate: Int,
        initialSequenceNumber: UInt16 = .random(in: 0...UInt16.max),
        timestampOffset: UInt32 = .random(in: 0...UInt32.max)
    ) throws(RTPParseError) {
        guard payloadType <= 127 else { throw .invalidField("payload type \(payloadType) exceeds 127") }
        guard clockRate > 0 else { throw .invalidField("clock rate \(clockRate)") }
        self.ssrc = ssrc
        self.payloadType = payloadType
        self.clockRate = clockRate
        self.nextSequenceNumber = initialSequenceNumber
        self.timestampOffset = timestampOffset
    }

    /// The RTP timestamp for a media time measured in clock ticks since the stream's origin.
    public func rtpTimestamp(mediaTicks: UInt32) -> UInt32 {
        timestampOffset &+ mediaTicks
    }

    /// The RTP timestamp for a capture time (converted to clock ticks, wrapping as RTP does).
    public func rtpTimestamp(for time: Duration) -> UInt32 {
        let (seconds, attoseconds) = time.components
        // attoseconds / 1e6 = picoseconds (< 1e12); × clock rate stays within Int64. Round to the nearest tick.
        let picoseconds = attoseconds / 1_000_000
        let ticks = seconds &* Int64(clockRate) &+ (picoseconds * Int64(clockRate) + 500_000_000_000) / 1_000_000_000_000
        return timestampOffset &+ UInt32(truncatingIfNeeded: ticks)
    }

    /// Builds the next packet of the stream.
    public mutating func makePacket(payload: [UInt8], rtpTimestamp: UInt32, marker: Bool) -> RTPPacket {
        let packet = RTPPacket(
            validPayloadType: payloadType, marker: marker, sequenceNumber: nextSequenceNumber,
            timestamp: rtpTimestamp, ssrc: ssrc, payload: payload)
        nextSequenceNumber &+= 1
        packetCount &+= 1
        octetCount &+= UInt32(truncatingIfNeeded: payload.count)
        lastTimestamp = rtpTimestamp
        return packet
    }
}
