import Testing
@testable import TrtcCodecs
import TrtcMediaTestSupport
import TrtcRTP

struct VideoCase: Sendable, CustomTestStringConvertible {
    var width: Int
    var height: Int
    var bitrateKbps: Int
    var testDescription: String { "\(width)x\(height) @ \(bitrateKbps) kbit/s" }
}

/// Encodes a moving pattern, checks the RTP packets, then reorders them, reassembles and decodes.
@Suite struct VP8RoundTripTests {
    static let frameCount = 30

    @Test(arguments: [VideoCase(width: 640, height: 480, bitrateKbps: 1500), VideoCase(width: 320, height: 240, bitrateKbps: 600)])
    func encodePacketizeShuffleDepacketizeDecode(_ videoCase: VideoCase) throws {
        var configuration = VP8EncoderConfiguration(width: videoCase.width, height: videoCase.height, bitrateKbps: videoCase.bitrateKbps)
        configuration.frameDropping = false
        // One layer: this PSNR bound is for the plain encoder; layers (a quarter of the bits for every other frame)
        // cost ~1 dB here and are checked in VP8TemporalLayerTests.
        configuration.temporalLayers = 1
        let encoder = try VP8Encoder(configuration: configuration)
        // Start near every wrap-around: sequence number, PictureID and RTP timestamp.
        var packetizer = try VP8Packetizer(
            ssrc: 0x1234_5678, payloadType: RTPPayloadType.vp8, initialSequenceNumber: 65_530,
            timestampOffset: UInt32.max - 20_000, initialPictureID: 0x7FFE)

        var inputs: [I420Frame] = []
        var encoded: [EncodedVideoFrame] = []
        var wire: [[UInt8]] = []
        var previousPictureID: UInt16?
        for index in 0..<Self.frameCount {
            let input = TestPattern.frame(width: videoCase.width, height: videoCase.height, index: index)
            let output = try encoder.encode(input)
            try #require(output.count == 1, "frame \(index) was not encoded")
            inputs.append(input)
            encoded.append(output[0])
            let packets = packetizer.packetize(output[0])
            try #require(!packets.isEmpty)

            for (position, packet) in packets.enumerated() {
                #expect(packet.size <= 1200, "packet of \(packet.size) bytes")
                #expect(packet.marker == (position == packets.count - 1), "marker only on the last packet")
                #expect(packet.timestamp == packets[0].timestamp)
                #expect(packet.payloadType == RTPPayloadType.vp8 && packet.ssrc == 0x1234_5678)
                let (descriptor, _) = try VP8PayloadDescriptor.parse(packet.payload)
                #expect(descriptor.isStartOfPartition == (position == 0), "S bit only on the first packet")
                #expect(descriptor.partitionIndex == 0)
                #expect(descriptor.hasLongPictureID)
                let pictureID = try #require(descriptor.pictureID)
                if position == 0, let previousPictureID {
                    #expect(pictureID == (previousPictureID + 1) & 0x7FFF, "PictureID counts frames")
                }
                if position == 0 { previousPictureID = pictureID }
                #expect(pictureID == previousPictureID)
                wire.append(packet.serialized())
            }
        }
        #expect(encoded[0].isKeyframe)
        #expect(encoded.dropFirst().allSatisfy { !$0.isKeyframe })

        var generator = SplitMix64(state: UInt64(videoCase.width))
        var depacketizer = VP8Depacketizer()
        var reassembled: [ReassembledVP8Frame] = []
        for bytes in wire.shuffledInWindows(of: 5, using: &generator) {
            reassembled += try depacketizer.insert(RTPPacket(parsing: bytes))
        }
        #expect(depacketizer.framesDropped == 0)
        try #require(reassembled.count == Self.frameCount)

        let decoder = try VP8Decoder()
        var psnrs: [Double] = []
        for (index, frame) in reassembled.enumerated() {
            #expect(frame.data == encoded[index].data)
            #expect(frame.isKeyframe == (index == 0))
            #expect(!frame.followsLoss)
            if index > 0 {
                // 30 fps on the 90 kHz clock, across the 32-bit wrap.
                #expect(frame.rtpTimestamp &- reassembled[index - 1].rtpTimestamp == 3000)
            }
            let picture = try #require(try decoder.decode(frame.data))
            #expect(picture.width == videoCase.width && picture.height == videoCase.height)
            psnrs.append(try #require(picture.lumaPSNR(comparedTo: inputs[index])))
        }
        #expect(reassembled[0].width == videoCase.width && reassembled[0].height == videoCase.height)
        let average = psnrs.reduce(0, +) / Double(psnrs.count)
        print("VP8 \(videoCase.testDescription): luma PSNR average \(average) dB, minimum \(psnrs.min()!) dB;",
              "\(encoder.statistics.bytesEncoded / Self.frameCount) bytes/frame,",
              "encode average \(encoder.statistics.averageEncodeDuration)")
        #expect(average > 38)
        #expect(psnrs.min()! > 33)
    }
}
