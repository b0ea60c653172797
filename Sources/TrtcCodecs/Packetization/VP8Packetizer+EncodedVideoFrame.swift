import TrtcRTP

extension VP8Packetizer {
    /// Packets for one frame from `VP8Encoder`, timestamped from `frame.timestamp`. Empty frames give no packets.
    public mutating func packetize(_ frame: EncodedVideoFrame) -> [RTPPacket] {
        packetize(frame.data, rtpTimestamp: sequencer.rtpTimestamp(for: frame.timestamp), isDroppable: frame.isDroppable,
                  temporalLayer: frame.temporalLayer, isLayerSync: frame.isLayerSync)
    }
}
