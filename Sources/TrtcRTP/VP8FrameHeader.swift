/// The start of a VP8 frame's data (RFC 6386 §9.1, RFC 7741 §4.3): key frame flag, and for key
/// frames the picture size.
public struct VP8FrameHeader: Sendable, Equatable {
    public var isKeyframe: Bool
    /// Present on key frames that carry the start code 9d 01 2a.
    public var width: Int?
    public var height: Int?

    /// Reads the header from the first bytes of a frame (the first packet's VP8 data suffices).
    public init(parsing data: ArraySlice<UInt8>) throws(RTPParseError) {
        guard let tag = data.first else { throw .emptyPayload("VP8 frame") }
        // P bit: 0 means key frame.
        isKeyframe = tag & 0x01 == 0
        let bytes = Array(data.prefix(10))
        if isKeyframe, bytes.count >= 10, bytes[3] == 0x9D, bytes[4] == 0x01, bytes[5] == 0x2A {
            width = Int(UInt16(bytes[7] & 0x3F) << 8 | UInt16(bytes[6]))
            height = Int(UInt16(bytes[9] & 0x3F) << 8 | UInt16(bytes[8]))
        }
    }
}
