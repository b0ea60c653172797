import TrtcRTP

extension OpusRTPPacketizer {
    /// The RTP packet for one frame from `OpusEncoder`, or nil for a DTX silence frame (time still advances).
    public mutating func packetize(_ frame: EncodedAudioFrame) -> RTPPacket? {
        packetize(frame.data, sampleCount: frame.sampleCount)
    }
}
