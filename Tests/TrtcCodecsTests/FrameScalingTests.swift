import Testing
@testable import TrtcCodecs
import TrtcMediaTestSupport

/// `I420Frame.scaled`: what a fixed-size remote video node does with a picture of another size.
@Suite struct FrameScalingTests {
    @Test func downAndUpScalingKeepThePicture() throws {
        let original = TestPattern.frame(width: 640, height: 480, index: 3)
        let half = try original.scaled(width: 320, height: 240)
        #expect(half.width == 320 && half.height == 240)
        // Nearest neighbour: every output sample is the source sample at the scaled position.
        for (x, y) in [(0, 0), (17, 5), (319, 239), (160, 120)] {
            #expect(half.y[y * half.strideY + x] == original.y[(y * 2) * original.strideY + x * 2])
        }
        #expect(half.u[10 * half.strideU + 7] == original.u[20 * original.strideU + 14])
        let back = try half.scaled(width: 640, height: 480)
        #expect(try #require(back.lumaPSNR(comparedTo: original)) > 20, "the same picture, only coarser")
        let odd = try original.scaled(width: 333, height: 177)
        #expect(odd.width == 333 && odd.height == 177 && odd.chromaWidth == 167 && odd.chromaHeight == 89)
        #expect(throws: FrameError.self) { try original.scaled(width: 0, height: 10) }
    }
}
