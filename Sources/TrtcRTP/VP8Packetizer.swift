/// Splits encoded VP8 frames into RTP packets (RFC 7741) of at most `maximumPacketSize` bytes,
/// RTP header included. Every packet carries X=1, I=1, M=1 and a 15-bit PictureID that counts
/// frames; the first packet of a frame has S=1, PID=0; the last has the RTP marker bit. Frames of an
/// encoder with temporal layers also carry L=1, T=1: TL0PICIDX (counts layer 0 frames, wraps at 8 bits),
/// TID and Y.
/// Timestamps run on the 90 kHz clock from each frame's capture time.
public struct VP8Packetizer: Sendable {
    public static let defaultMaximumPacketSize = 1200
    public static let clockRate = 90_000

    public private(set) var sequencer: RTPSequencer
    public let maximumPacketSize: Int
    /// PictureID the next frame gets (15 bits, wraps).
    public private(set) var nextPictureID: UInt16
    /// TL0PICIDX of the last layer 0 frame (the next one gets this + 1).
    public private(set) var tl0PictureIndex: UInt8

    public init(
        ssrc: UInt32 = .random(in: 1...UInt32.max), payloadType: UInt8 = RTPPayloadType.vp8,
        maximumPacketSize: Int = VP8Packetizer.defaultMaximumPacketSize,
        initialSequenceNumber: UInt16 = .random(in: 0...UInt16.max),
        timestampOffset: UInt32 = .random(in: 0...UInt32.max),
        initialPictureID: UInt16 = .random(in: 0...0x7FFF),
        initialTL0PictureIndex: UInt8 = .random(in: 0...UInt8.max)
    ) throws(RTPParseError) {
        // Room for the RTP header, a 6-byte descriptor and at least one byte of VP8 data.
        guard maximumPacketSize >= RTPPacket.fixedHeaderSize + 7 else {
            throw .invalidLength("maximum packet size \(maximumPacketSize) leaves no room for VP8 data")
        }
        sequencer = try RTPSequencer(
            ssrc: ssrc, payloadType: payloadType, clockRate: Self.clockRate,
            initialSequenceNumber: initialSequenceNumber, timestampOffset: timestampOffset)
        self.maximumPacketSize = maximumPacketSize
        nextPictureID = initialPictureID & 0x7FFF
        tl0PictureIndex = initialTL0PictureIndex
    }

    /// Packets for one frame of VP8 data with an explicit RTP timestamp. Empty frames give no packets.
    /// `temporalLayer`: the frame's TID (nil: the stream has no layers); `isLayerSync`: its Y bit.
    public mutating func packetize(_ data: [UInt8], rtpTimestamp: UInt32, isDroppable: Bool = false,
                                   temporalLayer: UInt8? = nil, isLayerSync: Bool = false) -> [RTPPacket] {
        guard !data.isEmpty else { return [] }
        let pictureID = nextPictureID
        nextPictureID = (nextPictureID &+ 1) & 0x7FFF
        if temporalLayer == 0 { tl0PictureIndex &+= 1 }
        let tl0 = temporalLayer == nil ? nil : tl0PictureIndex

        let descriptorSize = VP8PayloadDescriptor(
            isStartOfPartition: true, pictureID: 0, tl0PictureIndex: tl0, temporalLayerIndex: temporalLayer).size
        let capacity = maximumPacketSize - RTPPacket.fixedHeaderSize - descriptorSize
        // Spread the data evenly so no packet is tiny (as libwebrtc does).
        let packetCount = (data.count + capacity - 1) / capacity
        let baseSize = data.count / packetCount
        let largerPackets = data.count % packetCount

        var packets: [RTPPacket] = []
        packets.reserveCapacity(packetCount)
        var offset = 0
        for index in 0..<packetCount {
            let chunk = baseSize + (index < largerPackets ? 1 : 0)
            let descriptor = VP8PayloadDescriptor(
                isNonReference: isDroppable, isStartOfPartition: index == 0, partitionIndex: 0, pictureID: pictureID,
                tl0PictureIndex: tl0, temporalLayerIndex: temporalLayer, isLayerSync: isLayerSync)
            var payload = descriptor.serialized()
            payload.append(contentsOf: data[offset..<offset + chunk])
            offset += chunk
            packets.append(sequencer.makePacket(payload: payload, rtpTimestamp: rtpTimestamp, marker: index == packetCount - 1))
        }
        return packets
    }
}
