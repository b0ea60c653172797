/// A complete VP8 frame put back together from RTP packets by `VP8Depacketizer` or `VideoJitterBuffer`.
public struct ReassembledVP8Frame: Sendable, Equatable {
    public var data: [UInt8]
    public var rtpTimestamp: UInt32
    public var ssrc: UInt32
    public var isKeyframe: Bool
    /// Picture size, read from key frames.
    public var width: Int?
    public var height: Int?
    public var pictureID: UInt16?
    public var isNonReference: Bool
    /// Frames were lost between the previous delivered frame and this one. A delta frame that
    /// follows loss decodes with errors: ask the sender for a key frame (RTCP PLI).
    public var followsLoss: Bool
    public var firstSequenceNumber: UInt16
    public var lastSequenceNumber: UInt16
    /// Temporal layer (TID) and TL0PICIDX from the descriptor, when the stream has layers.
    public var temporalLayer: UInt8? = nil
    public var tl0PictureIndex: UInt8? = nil
    /// From `VideoJitterBuffer`: how it came to be on time or late (nil from `VP8Depacketizer`).
    public var timing: VideoFrameTiming? = nil
}
