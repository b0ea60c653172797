/// Picture Loss Indication: payload-specific feedback (PT 206) with FMT 1 (RFC 4585 §6.3.1).
/// A receiver sends it to ask the sender of `mediaSSRC` for a key frame.
public struct RTCPPictureLossIndication: Sendable, Equatable {
    public static let packetType: UInt8 = 206
    public static let feedbackMessageType: UInt8 = 1

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32

    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }

    public func serialized() -> [UInt8] {
        var bytes = RTCPPacket.header(count: Int(Self.feedbackMessageType), packetType: Self.packetType, bodyLength: 8)
        bytes.appendBigEndian(senderSSRC)
        bytes.appendBigEndian(mediaSSRC)
        return bytes
    }
}
