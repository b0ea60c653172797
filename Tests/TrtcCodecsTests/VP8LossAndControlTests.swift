import Testing
@testable import TrtcCodecs
import TrtcMediaTestSupport
import TrtcRTP

enum LostPacket: String, Sendable, CaseIterable {
    case first, middle, last
}

@Suite struct VP8LossAndControlTests {
    /// Encodes `count` frames at 640×480 and returns each frame's packets.
    static func packetizedStream(count: Int, bitrateKbps: Int = 2000) throws -> (encoded: [EncodedVideoFrame], packets: [[RTPPacket]]) {
        var configuration = VP8EncoderConfiguration(width: 640, height: 480, bitrateKbps: bitrateKbps)
        configuration.frameDropping = false
        let encoder = try VP8Encoder(configuration: configuration)
        var packetizer = try VP8Packetizer(ssrc: 7, initialSequenceNumber: 100, timestampOffset: 0, initialPictureID: 0)
        var encoded: [EncodedVideoFrame] = []
        var packets: [[RTPPacket]] = []
        for index in 0..<count {
            let frame = try encoder.encode(TestPattern.frame(width: 640, height: 480, index: index))
            encoded += frame
            packets += frame.map { packetizer.packetize($0) }
        }
        return (encoded, packets)
    }

    @Test(arguments: LostPacket.allCases)
    func losingOnePacketDropsOnlyItsFrame(_ lost: LostPacket) throws {
        let (encoded, packets) = try Self.packetizedStream(count: 12, bitrateKbps: 4000)
        let victim = 7
        try #require(packets[victim].count >= 3, "frame \(victim) should span several packets")
        let lostIndex = switch lost {
        case .first: 0
        case .middle: packets[victim].count / 2
        case .last: packets[victim].count - 1
        }
        var depacketizer = VP8Depacketizer()
        var delivered: [ReassembledVP8Frame] = []
        var generator = SplitMix64(state: 42)
        var stream: [RTPPacket] = []
        for (frameIndex, framePackets) in packets.enumerated() {
            for (packetIndex, packet) in framePackets.enumerated() where !(frameIndex == victim && packetIndex == lostIndex) {
                stream.append(packet)
            }
        }
        for packet in stream.shuffledInWindows(of: 3, using: &generator) {
            delivered += try depacketizer.insert(packet)
        }
        #expect(delivered.count == encoded.count - 1)
        #expect(depacketizer.framesDropped == 1)
        let deliveredData = delivered.map(\.data)
        for (index, frame) in encoded.enumerated() {
            #expect(deliveredData.contains(frame.data) == (index != victim), "frame \(index)")
        }
        // The frame after the gap says so, so the receiver can ask for a key frame.
        #expect(delivered.map(\.followsLoss) == (0..<delivered.count).map { $0 == victim })

        // Error resilient mode: later frames still decode at the right size.
        let decoder = try VP8Decoder()
        for frame in delivered {
            let picture = try #require(try decoder.decode(frame.data))
            #expect(picture.width == 640 && picture.height == 480)
        }
    }

    @Test func wholeFrameLostIsReportedOnceAndStreamContinues() throws {
        let (encoded, packets) = try Self.packetizedStream(count: 12)
        var depacketizer = VP8Depacketizer()
        var delivered: [ReassembledVP8Frame] = []
        for (index, framePackets) in packets.enumerated() where index != 5 {
            for packet in framePackets { delivered += try depacketizer.insert(packet) }
        }
        #expect(delivered.count == encoded.count - 1)
        #expect(depacketizer.framesDropped == 1)
        #expect(delivered[5].followsLoss && delivered[5].data == encoded[6].data)
    }

    @Test func duplicatesAndLatePacketsAreIgnored() throws {
        let (encoded, packets) = try Self.packetizedStream(count: 6)
        var depacketizer = VP8Depacketizer()
        var delivered: [ReassembledVP8Frame] = []
        for framePackets in packets {
            for packet in framePackets {
                delivered += try depacketizer.insert(packet)
                delivered += try depacketizer.insert(packet)
            }
        }
        // A packet of an already delivered frame arriving very late.
        delivered += try depacketizer.insert(packets[1][0])
        #expect(delivered.map(\.data) == encoded.map(\.data))
        #expect(depacketizer.framesDropped == 0)
    }

    @Test func nothingIsDeliveredBeforeTheFirstKeyframe() throws {
        let (_, packets) = try Self.packetizedStream(count: 10)
        var depacketizer = VP8Depacketizer()
        var delivered: [ReassembledVP8Frame] = []
        // Join mid-stream: the key frame is missed.
        for framePackets in packets.dropFirst() {
            for packet in framePackets { delivered += try depacketizer.insert(packet) }
        }
        #expect(delivered.count == 0)
        #expect(depacketizer.framesDropped > 0)
    }

    @Test func keyframeOnRequest() throws {
        let encoder = try VP8Encoder(configuration: VP8EncoderConfiguration(width: 320, height: 240, bitrateKbps: 500))
        var packetizer = try VP8Packetizer()
        var depacketizer = VP8Depacketizer()
        var kinds: [Bool] = []
        var reassembledKinds: [Bool] = []
        for index in 0..<12 {
            if index == 6 { encoder.requestKeyframe() }
            let frames = try encoder.encode(TestPattern.frame(width: 320, height: 240, index: index), forceKeyframe: index == 9)
            for frame in frames {
                kinds.append(frame.isKeyframe)
                for packet in packetizer.packetize(frame) {
                    for reassembled in try depacketizer.insert(RTPPacket(parsing: packet.serialized())) {
                        reassembledKinds.append(reassembled.isKeyframe)
                        #expect(reassembled.isKeyframe == frame.isKeyframe, "P bit read from the payload")
                        if reassembled.isKeyframe { #expect(reassembled.width == 320 && reassembled.height == 240) }
                    }
                }
            }
        }
        #expect(kinds == (0..<12).map { [0, 6, 9].contains($0) })
        // Every frame came out of the depacketizer (the checks above ran once per frame, not zero times).
        #expect(reassembledKinds == kinds)
        #expect(encoder.statistics.keyframesEncoded == 3)
        #expect(encoder.statistics.framesEncoded == 12)
        #expect(encoder.statistics.lastEncodeDuration > .zero)
        #expect(encoder.statistics.totalEncodeDuration >= encoder.statistics.lastEncodeDuration)
    }

    @Test func bitrateChangeChangesFrameSizes() throws {
        var configuration = VP8EncoderConfiguration(width: 320, height: 240, bitrateKbps: 1500)
        configuration.frameDropping = false
        let encoder = try VP8Encoder(configuration: configuration)
        func averageSize(_ range: Range<Int>) throws -> Int {
            var bytes = 0
            for index in range { bytes += try encoder.encode(TestPattern.frame(width: 320, height: 240, index: index)).reduce(0) { $0 + $1.data.count } }
            return bytes / range.count
        }
        _ = try averageSize(0..<5)
        let high = try averageSize(5..<20)
        try encoder.setBitrate(kbps: 150)
        _ = try averageSize(20..<30)
        let low = try averageSize(30..<45)
        #expect(encoder.configuration.bitrateKbps == 150)
        #expect(low * 2 < high, "150 kbit/s frames (\(low) B) should be far smaller than 1500 kbit/s ones (\(high) B)")
        #expect(throws: CodecError.self) { try encoder.setBitrate(kbps: 0) }
    }

    @Test func newPictureSizeRestartsWithKeyframe() throws {
        let encoder = try VP8Encoder(configuration: VP8EncoderConfiguration(width: 320, height: 240))
        let decoder = try VP8Decoder()
        for index in 0..<3 {
            for frame in try encoder.encode(TestPattern.frame(width: 320, height: 240, index: index)) { _ = try decoder.decode(frame.data) }
        }
        let resized = try encoder.encode(TestPattern.frame(width: 640, height: 360, index: 3))
        #expect(resized.first?.isKeyframe == true)
        #expect(encoder.configuration.width == 640 && encoder.configuration.height == 360)
        let keyframe = try #require(resized.first)
        let picture = try #require(try decoder.decode(keyframe.data))
        #expect(picture.width == 640 && picture.height == 360)
    }

    @Test func badConfigurationAndInputThrow() throws {
        #expect(throws: CodecError.self) { try VP8Encoder(configuration: VP8EncoderConfiguration(width: 0, height: 240)) }
        #expect(throws: CodecError.self) { try VP8Encoder(configuration: VP8EncoderConfiguration(width: 320, height: 240, framesPerSecond: 0)) }
        #expect(throws: CodecError.self) { try VP8Decoder(threads: 0) }
        let decoder = try VP8Decoder()
        #expect(throws: CodecError.self) { try decoder.decode([]) }
        // A key frame tag without the 9d 01 2a start code.
        #expect(throws: CodecError.self) { try decoder.decode([0x10, 0x02, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]) }
        var generator = SplitMix64(state: 9)
        for _ in 0..<50 {
            let garbage = (0..<Int.random(in: 1...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? decoder.decode(garbage)  // must not crash; libvpx may accept some noise as a frame
        }
    }
}
