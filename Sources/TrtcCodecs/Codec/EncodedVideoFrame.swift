/// One compressed VP8 frame as produced by `VP8Encoder`.
public struct EncodedVideoFrame: Sendable, Equatable {
    public var data: [UInt8]
    public var isKeyframe: Bool
    /// No later frame references this one (RFC 7741 N bit); dropping it harms nothing else.
    public var isDroppable: Bool
    /// The input frame's timestamp, passed through.
    public var timestamp: Duration
    public var width: Int
    public var height: Int
    /// The frame's temporal layer (TID), nil when the encoder uses none.
    public var temporalLayer: UInt8?
    /// Refers to layer 0 frames alone (RFC 7741 Y bit): a receiver may start taking this layer here.
    public var isLayerSync: Bool

    public init(data: [UInt8], isKeyframe: Bool, isDroppable: Bool = false, timestamp: Duration, width: Int, height: Int,
                temporalLayer: UInt8? = nil, isLayerSync: Bool = false) {
        self.data = data
        self.isKeyframe = isKeyframe
        self.isDroppable = isDroppable
        self.timestamp = timestamp
        self.width = width
        self.height = height
        self.temporalLayer = temporalLayer
        self.isLayerSync = isLayerSync
    }
}
