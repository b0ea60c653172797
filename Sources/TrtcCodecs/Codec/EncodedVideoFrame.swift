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

    public init(data: [UInt8], isKeyframe: Bool, isDroppable: Bool = false, timestamp: Duration, width: Int, height: Int) {
        self.data = data
        self.isKeyframe = isKeyframe
        self.isDroppable = isDroppable
        self.timestamp = timestamp
        self.width = width
        self.height = height
    }
}
