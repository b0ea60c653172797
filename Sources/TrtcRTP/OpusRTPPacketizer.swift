/// Wraps Opus packets in RTP (RFC 7587): one Opus packet per RTP packet, 48 kHz RTP clock.
/// DTX silence frames are not sent; the first packet after silence (and of the stream) has the marker bit.
public struct OpusRTPPacketizer: Sendable {
    public static let clockRate = 48_000

    public private(set) var sequencer: RTPSequencer
    /// Rate the encoder runs at; RTP time always advances at 48 kHz (RFC 7587 §4.1).
    public let encoderSampleRate: Int
    private var mediaTicks: UInt32 = 0
    private var talkspurtStarts = true

    public init(
        ssrc: UInt32 = .random(in: 1...UInt32.max), payloadType: UInt8 = RTPPayloadType.opus, encoderSampleRate: Int = 48_000,
        initialSequenceNumber: UInt16 = .random(in: 0...UInt16.max),
        timestampOffset: UInt32 = .random(in: 0...UInt32.max)
    ) throws(RTPParseError) {
        guard [8_000, 12_000, 16_000, 24_000, 48_000].contains(encoderSampleRate) else {
            throw .invalidField("Opus sample rate \(encoderSampleRate)")
        }
        sequencer = try RTPSequencer(
            ssrc: ssrc, payloadType: payloadType, clockRate: Self.clockRate,
            initialSequenceNumber: initialSequenceNumber, timestampOffset: timestampOffset)
        self.encoderSampleRate = encoderSampleRate
    }

    /// RTP timestamp the next frame will carry.
    public var nextRTPTimestamp: UInt32 { sequencer.rtpTimestamp(mediaTicks: mediaTicks) }

    /// The RTP packet for one Opus packet covering `sampleCount` samples (per channel, at the encoder's rate), or
    /// nil for a DTX silence packet (time still advances).
    public mutating func packetize(_ opusPacket: [UInt8], sampleCount: Int) -> RTPPacket? {
        let timestamp = nextRTPTimestamp
        mediaTicks &+= UInt32(truncatingIfNeeded: sampleCount * (Self.clockRate / encoderSampleRate))
        if Self.isSilence(opusPacket) {
            talkspurtStarts = true
            return nil
        }
        defer { talkspurtStarts = false }
        return sequencer.makePacket(payload: opusPacket, rtpTimestamp: timestamp, marker: talkspurtStarts)
    }

    /// With DTX, libopus signals "silence, nothing worth sending" by a packet of at most 2 bytes; such packets are
    /// not transmitted (RFC 7587 §3.1.3).
    public static func isSilence(_ opusPacket: [UInt8]) -> Bool {
        opusPacket.count <= 2
    }
}
