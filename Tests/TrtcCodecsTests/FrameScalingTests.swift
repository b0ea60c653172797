import Testing
@testable import TrtcCodecs
import TrtcMediaTestSupport

/// `I420Frame.scaled`: the publisher's scaled-down pictures (resolution scaling) and what a fixed-size remote video
/// node does with a picture of another size.
@Suite struct FrameScalingTests {
    @Test func downAndUpScalingKeepThePicture() throws {
        let original = TestPattern.frame(width: 640, height: 480, index: 3)
        let half = try original.scaled(width: 320, height: 240)
        #expect(half.width == 320 && half.height == 240)
        // Shrinking by 1/2: every output sample is the rounded mean of the 2×2 source samples it covers.
        func mean(_ plane: [UInt8], _ stride: Int, _ x: Int, _ y: Int) -> UInt8 {
            let sum = [(0, 0), (1, 0), (0, 1), (1, 1)].reduce(0) { $0 + Int(plane[(y + $1.1) * stride + x + $1.0]) }
            return UInt8((sum + 2) / 4)
        }
        for (x, y) in [(0, 0), (17, 5), (319, 239), (160, 120)] {
            #expect(half.y[y * half.strideY + x] == mean(original.y, original.strideY, x * 2, y * 2))
        }
        #expect(half.u[10 * half.strideU + 7] == mean(original.u, original.strideU, 14, 20))
        // Enlarging: nearest neighbour, each output sample the source sample under it.
        let back = try half.scaled(width: 640, height: 480)
        for (x, y) in [(0, 0), (17, 5), (639, 479), (321, 240)] {
            #expect(back.y[y * back.strideY + x] == half.y[(y / 2) * half.strideY + x / 2])
        }
        #expect(try #require(back.lumaPSNR(comparedTo: original)) > 20, "the same picture, only coarser")
        let odd = try original.scaled(width: 333, height: 177)
        #expect(odd.width == 333 && odd.height == 177 && odd.chromaWidth == 167 && odd.chromaHeight == 89)
        #expect(throws: FrameError.self) { try original.scaled(width: 0, height: 10) }
    }

    @Test("3/4 of 640×480 (the publisher's first step) is the same picture and costs well under a frame interval")
    func threeQuartersIsCheapAndFaithful() throws {
        let original = TestPattern.frame(width: 640, height: 480, index: 7)
        var scaled = try original.scaled(width: 480, height: 360)
        let clock = ContinuousClock()
        let rounds = 30
        let elapsed = try clock.measure {
            for _ in 0..<rounds { scaled = try original.scaled(width: 480, height: 360) }
        }
        let perFrame = elapsed / rounds
        print("640×480 → 480×360: \(perFrame) per frame")
        // Back up to compare: the picture survives the round trip.
        let back = try scaled.scaled(width: 640, height: 480)
        #expect(try #require(back.lumaPSNR(comparedTo: original)) > 20)
        // 33 ms between frames at 30 fps; a loaded 2-core machine and a debug build get a wide margin.
        #expect(perFrame < .milliseconds(15), "\(perFrame) per frame")
    }
}
