import Testing
@testable import TrtcCodecs
import TrtcRTP

/// Browsers' VP8 (libwebrtc) carries the extended payload descriptor: X with I (15-bit PictureID), L (TL0PICIDX) and
/// T (TID, Y); trtcd's depacketizer and decoder take it as they take trtcd's own (X with I only).
@Suite struct BrowserVP8DescriptorTests {
    @Test("frames whose descriptors carry PictureID, TL0PICIDX and TID, as Chromium sends them, reassemble and decode")
    func chromiumDescriptor() throws {
        let (encoded, packets) = try VP8LossAndControlTests.packetizedStream(count: 6)
        var depacketizer = VP8Depacketizer()
        var delivered: [ReassembledVP8Frame] = []
        for (frameIndex, framePackets) in packets.enumerated() {
            for packet in framePackets {
                var browser = packet
                let (descriptor, dataOffset) = try VP8PayloadDescriptor.parse(packet.payload)
                // Chromium's layout: 0x90 (X, S) / 0x80 (X), then I|L|T, the 15-bit PictureID, TL0PICIDX, TID|Y.
                let extended = VP8PayloadDescriptor(
                    isNonReference: descriptor.isNonReference, isStartOfPartition: descriptor.isStartOfPartition,
                    partitionIndex: descriptor.partitionIndex, pictureID: UInt16(0x1234 + frameIndex), hasLongPictureID: true,
                    tl0PictureIndex: UInt8(frameIndex), temporalLayerIndex: 0, isLayerSync: true)
                #expect(extended.serialized().count == 6)
                browser.payload = extended.serialized() + packet.payload[dataOffset...]
                delivered += try depacketizer.insert(browser)
            }
        }
        #expect(delivered.map(\.data) == encoded.map(\.data))
        #expect(delivered.map(\.pictureID) == (0..<6).map { UInt16(0x1234 + $0) })
        let decoder = try VP8Decoder()
        for frame in delivered {
            let picture = try #require(try decoder.decode(frame.data))
            #expect(picture.width == 640 && picture.height == 480)
        }
    }
}
