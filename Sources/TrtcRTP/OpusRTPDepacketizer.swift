/// Takes Opus RTP packets (RFC 7587) off the wire in arrival order and tells the decoder what
/// to do: decode the payload, after concealing (or FEC-recovering) any packets lost before it.
/// Late and duplicate packets are dropped, since audio plays out immediately.
public struct OpusRTPDepacketizer: Sendable {
    public struct Output: Sendable, Equatable {
        public var payload: [UInt8]
        public var rtpTimestamp: UInt32
        /// Packets missing (by sequence number) between the previous delivered packet and this one.
        public var lostPacketsBefore: Int
        /// Set by the sender on the first packet after DTX silence.
        public var startsTalkspurt: Bool
    }

    /// Sequence jumps larger than this are taken as a sender restart, not as loss.
    public let maximumGap: Int
    private var ssrc: UInt32?
    private var lastSequenceNumber: UInt16?
    public private(set) var packetsLost = 0
    public private(set) var packetsReceived = 0

    public init(maximumGap: Int = 100) {
        self.maximumGap = maximumGap
    }

    /// Returns what to decode, or nil for a late or duplicate packet. Empty payloads throw.
    public mutating func receive(_ packet: RTPPacket) throws(RTPParseError) -> Output? {
        guard !packet.payload.isEmpty else { throw .emptyPayload("Opus RTP packet") }
        if ssrc != packet.ssrc {
            ssrc = packet.ssrc
            lastSequenceNumber = nil
        }
        var lost = 0
        if let last = lastSequenceNumber {
            let step = Int(Int16(bitPattern: packet.sequenceNumber &- last))
            if step <= 0, -step < maximumGap { return nil }
            if (1...maximumGap).contains(step) { lost = step - 1 }
        }
        lastSequenceNumber = packet.sequenceNumber
        packetsLost += lost
        packetsReceived += 1
        return Output(payload: packet.payload, rtpTimestamp: packet.timestamp, lostPacketsBefore: lost, startsTalkspurt: packet.marker)
    }
}
