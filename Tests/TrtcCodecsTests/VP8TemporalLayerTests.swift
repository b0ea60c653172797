import Testing
import TrtcCodecs
import TrtcMediaTestSupport

/// VP8 temporal layers in our encoder (libvpx `ts_*` settings and per-frame flags): every frame is tagged with its
/// layer, and a decoder fed only the lower layers decodes every frame it gets (what an SFU's receiver sees).
@Suite struct VP8TemporalLayerTests {
    static func encode(layers: Int, count: Int, bitrateKbps: Int = 600) throws -> [EncodedVideoFrame] {
        var configuration = VP8EncoderConfiguration(width: 320, height: 240, bitrateKbps: bitrateKbps)
        configuration.frameDropping = false
        configuration.temporalLayers = layers
        let encoder = try VP8Encoder(configuration: configuration)
        var output: [EncodedVideoFrame] = []
        for index in 0..<count {
            let encoded = try encoder.encode(TestPattern.frame(width: 320, height: 240, index: index), forceKeyframe: index == 40)
            try #require(encoded.count == 1, "frame \(index) was not encoded")
            output += encoded
        }
        return output
    }

    /// Decodes the frames of layers up to `maximumLayer`; returns how many decoded, throwing on any decoder error.
    static func decode(_ frames: [EncodedVideoFrame], upTo maximumLayer: UInt8) throws -> Int {
        let decoder = try VP8Decoder()
        var decoded = 0
        for frame in frames where (frame.temporalLayer ?? 0) <= maximumLayer {
            if try decoder.decode(frame.data, timestamp: frame.timestamp) != nil { decoded += 1 }
        }
        return decoded
    }

    @Test("two layers: 0, 1, 0, 1 …, layer 1 frames droppable sync frames; layer 0 alone decodes at half the rate")
    func twoLayers() throws {
        let frames = try Self.encode(layers: 2, count: 60)
        #expect(frames.map { $0.temporalLayer! } == (0..<60).map { UInt8($0 % 2) })
        #expect(frames[0].isKeyframe && frames[40].isKeyframe)
        #expect(frames.filter { $0.temporalLayer == 1 }.allSatisfy { $0.isDroppable && $0.isLayerSync && !$0.isKeyframe })
        #expect(frames.filter { $0.temporalLayer == 0 }.allSatisfy { !$0.isDroppable && !$0.isLayerSync })
        #expect(try Self.decode(frames, upTo: 0) == 30)
        #expect(try Self.decode(frames, upTo: 1) == 60)
        // Layer 0 gets about its quarter of the bits (key frames aside).
        let deltas = frames.dropFirst().prefix(38)
        let base = deltas.filter { $0.temporalLayer == 0 }.reduce(0) { $0 + $1.data.count }
        let all = deltas.reduce(0) { $0 + $1.data.count }
        print("two layers: layer 0 \(base) of \(all) bytes (\(100 * base / max(all, 1)) %)")
        #expect(base < all * 6 / 10)
    }

    @Test("three layers: 0, 2, 1, 2 …; layers 0 and 0–1 decode alone")
    func threeLayers() throws {
        let frames = try Self.encode(layers: 3, count: 60)
        let pattern: [UInt8] = [0, 2, 1, 2]
        #expect(frames.map { $0.temporalLayer! } == (0..<60).map { pattern[$0 % 4] })
        #expect(frames.enumerated().filter { $0.offset % 4 == 3 }.allSatisfy { !$0.element.isLayerSync })
        #expect(try Self.decode(frames, upTo: 0) == 15)
        #expect(try Self.decode(frames, upTo: 1) == 30)
        #expect(try Self.decode(frames, upTo: 2) == 60)
    }

    @Test("one layer: no TIDs, as before")
    func noLayers() throws {
        let frames = try Self.encode(layers: 1, count: 10)
        #expect(frames.allSatisfy { $0.temporalLayer == nil && !$0.isLayerSync })
    }
}
