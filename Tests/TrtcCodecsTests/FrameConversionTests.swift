import Testing
@testable import TrtcCodecs
import TrtcMediaTestSupport

@Suite struct FrameConversionTests {
    /// BT.601 limited range, as libyuv's ARGBToI420.
    static let colours: [(rgb: (UInt8, UInt8, UInt8), yuv: (UInt8, UInt8, UInt8))] = [
        ((0, 0, 0), (16, 128, 128)),
        ((255, 255, 255), (235, 128, 128)),
        ((255, 0, 0), (82, 90, 240)),
        ((0, 255, 0), (144, 54, 34)),
        ((0, 0, 255), (41, 240, 110)),
    ]

    @Test(arguments: PackedRGBFormat.allCases)
    func solidColoursConvert(_ format: PackedRGBFormat) throws {
        for (rgb, yuv) in Self.colours {
            let (red, green, blue) = rgb
            let pixel: [UInt8] = switch format {
            case .rgbx, .rgba: [red, green, blue, 0xFF]
            case .bgrx, .bgra: [blue, green, red, 0xFF]
            }
            // Odd size and a padded stride, so edges and strides are exercised.
            let width = 5, height = 3, stride = 24
            var bytes = [UInt8](repeating: 0xEE, count: stride * height)
            for row in 0..<height { for column in 0..<width { bytes.replaceSubrange(row * stride + column * 4..<row * stride + column * 4 + 4, with: pixel) } }
            let frame = try I420Frame(packedRGB: bytes, format: format, width: width, height: height, stride: stride)
            #expect(frame.y.allSatisfy { $0 == yuv.0 }, "Y of \(rgb)")
            #expect(frame.u.count == 3 * 2 && frame.u.allSatisfy { $0 == yuv.1 }, "U of \(rgb)")
            #expect(frame.v.allSatisfy { $0 == yuv.2 }, "V of \(rgb)")
        }
    }

    @Test func yuy2Converts() throws {
        // 4×2 picture: row 0 pairs (Y 10,20 U 100 V 200), (Y 30,40 U 110 V 210); row 1 with U/V 102/202, 112/212.
        let bytes: [UInt8] = [10, 100, 20, 200, 30, 110, 40, 210, 0xAA, 0xAA,
                              50, 102, 60, 202, 70, 112, 80, 212, 0xAA, 0xAA]
        let frame = try I420Frame(yuy2: bytes, width: 4, height: 2, stride: 10, timestamp: .milliseconds(5))
        #expect(frame.y == [10, 20, 30, 40, 50, 60, 70, 80])
        #expect(frame.u == [101, 111])
        #expect(frame.v == [201, 211])
        #expect(frame.timestamp == .milliseconds(5))
    }

    @Test func badGeometryThrows() {
        #expect(throws: FrameError.self) { try I420Frame(yuy2: [UInt8](repeating: 0, count: 15), width: 4, height: 2) }
        #expect(throws: FrameError.self) { try I420Frame(packedRGB: [UInt8](repeating: 0, count: 16), format: .bgrx, width: 4, height: 2) }
        #expect(throws: FrameError.self) { try I420Frame(packedRGB: [UInt8](repeating: 0, count: 64), format: .bgrx, width: 4, height: 2, stride: 8) }
        #expect(throws: FrameError.self) { try I420Frame(width: 0, height: 10) }
        // Hostile strides must not overflow size arithmetic.
        #expect(throws: FrameError.self) { try I420Frame(yuy2: [UInt8](repeating: 0, count: 64), width: 4, height: 2, stride: Int.max) }
        #expect(throws: FrameError.self) { try I420Frame(packedRGB: [UInt8](repeating: 0, count: 64), format: .rgba, width: 1, height: 1, stride: Int.max) }
        #expect(throws: FrameError.self) {
            try I420Frame(width: 1, height: 1, y: [0], strideY: Int.max, u: [0], strideU: 1, v: [0], strideV: 1)
        }
        #expect(throws: FrameError.self) { try I420Frame(width: -1, height: 10) }
        #expect(throws: FrameError.self) {
            try I420Frame(width: 4, height: 4, y: [UInt8](repeating: 0, count: 16), strideY: 4,
                          u: [0, 0, 0], strideU: 2, v: [0, 0, 0, 0], strideV: 2)
        }
    }

    @Test func psnrOfIdenticalAndDifferentFrames() throws {
        let a = TestPattern.frame(width: 64, height: 48, index: 0)
        #expect(a.lumaPSNR(comparedTo: a) == .infinity)
        var b = a
        b.y[0] &+= 10
        let psnr = try #require(b.lumaPSNR(comparedTo: a))
        #expect(psnr > 50 && psnr < 80)
        #expect(a.lumaPSNR(comparedTo: TestPattern.frame(width: 32, height: 48, index: 0)) == nil)
    }
}
