import Testing
import TrtcCodecs
@testable import TrtcMeasurement

/// `FrameStamp` without I/O: written into a picture and read back, damaged, and through VP8 at a low bitrate.
struct FrameStampTests {
    @Test("a stamp written into a scene picture reads back exactly, at every block size", arguments: [(160, 120), (320, 240), (640, 480)])
    func roundTrip(width: Int, height: Int) throws {
        let scene = try SyntheticScene(width: width, height: height)
        for (id, time) in [(UInt32(0), UInt64(0)), (1, 33_333), (123_456, 987_654_321_012), (.max, (1 << 48) - 1)] {
            let stamp = FrameStamp(frameId: id, captureMicroseconds: time)
            let picture = try scene.stampedPicture(stamp)
            #expect(FrameStamp.read(from: picture) == stamp)
        }
    }

    @Test("block sizes: 8 at 320, 16 at 640 (one macroblock), 32 at 1280; the grid fits from 128×48")
    func blockSizes() throws {
        #expect(FrameStamp.blockSize(width: 320, height: 240) == 8)
        #expect(FrameStamp.blockSize(width: 640, height: 480) == 16)
        #expect(FrameStamp.blockSize(width: 1280, height: 720) == 32)
        #expect(FrameStamp.blockSize(width: 1920, height: 1080) == 32)
        #expect(FrameStamp.fits(width: 128, height: 48))
        #expect(!FrameStamp.fits(width: 120, height: 48))
        let small = try I420Frame(width: 64, height: 64)
        #expect(throws: FrameError.self) {
            var copy = small
            try FrameStamp(frameId: 1, captureMicroseconds: 1).write(into: &copy)
        }
        #expect(FrameStamp.read(from: small) == nil)
    }

    @Test("a 1280×720 flat picture with padded rows (stride > width) keeps its stamp")
    func paddedStride() throws {
        let (width, height, stride) = (1280, 720, 1344)
        var frame = try I420Frame(
            width: width, height: height, y: [UInt8](repeating: 90, count: stride * height), strideY: stride,
            u: [UInt8](repeating: 128, count: stride / 2 * height / 2), strideU: stride / 2,
            v: [UInt8](repeating: 128, count: stride / 2 * height / 2), strideV: stride / 2)
        let stamp = FrameStamp(frameId: 77, captureMicroseconds: 5_000_000_123)
        try stamp.write(into: &frame)
        #expect(FrameStamp.read(from: frame) == stamp)
    }

    @Test("one block turned over makes the stamp unreadable (CRC), never a wrong value")
    func damagedBlock() throws {
        let scene = try SyntheticScene(width: 320, height: 240)
        let stamp = FrameStamp(frameId: 4242, captureMicroseconds: 1_234_567_890)
        let clean = try scene.stampedPicture(stamp)
        let block = FrameStamp.blockSize(width: 320, height: 240)
        for cell in [0, 17, 40, 95] {
            var damaged = clean
            let (row, column) = (cell / FrameStamp.columns, cell % FrameStamp.columns)
            for line in 0..<block {
                for x in 0..<block {
                    let index = (row * block + line) * damaged.strideY + column * block + x
                    damaged.y[index] = damaged.y[index] > 128 ? FrameStamp.black : FrameStamp.white
                }
            }
            #expect(FrameStamp.read(from: damaged) == nil, "cell \(cell)")
        }
        #expect(FrameStamp.read(from: scene.picture(1)) == nil, "a picture without a stamp")
    }

    @Test("Gray coding: consecutive frame ids differ in one block")
    func grayCode() {
        for value: UInt64 in [0, 1, 2, 1000, 65_535, 1 << 47] {
            #expect(FrameStamp.fromGray(FrameStamp.gray(value)) == value)
            #expect((FrameStamp.gray(value) ^ FrameStamp.gray(value + 1)).nonzeroBitCount == 1)
        }
    }

    @Test("through VP8 at 640×480 and 150 kbit/s (and 320×240 at 60 kbit/s): every decoded picture's stamp reads back",
          arguments: [(640, 480, 150), (320, 240, 60)])
    func survivesVP8AtALowBitrate(width: Int, height: Int, kbps: Int) throws {
        let scene = try SyntheticScene(width: width, height: height)
        let encoder = try VP8Encoder(configuration: VP8EncoderConfiguration(width: width, height: height, framesPerSecond: 30, bitrateKbps: kbps))
        let decoder = try VP8Decoder()
        var decoded = 0
        var psnrs: [Double] = []
        for index in 0..<60 {
            let stamp = FrameStamp(frameId: UInt32(1000 + index), captureMicroseconds: 7_000_000 + UInt64(index) * 33_333)
            let sent = try scene.stampedPicture(stamp)
            for frame in try encoder.encode(sent) {
                guard let picture = try decoder.decode(frame.data) else { continue }
                decoded += 1
                #expect(FrameStamp.read(from: picture) == stamp, "frame \(index)")
                if let psnr = picture.lumaPSNR(comparedTo: sent) { psnrs.append(psnr) }
            }
        }
        #expect(decoded >= 20, "the encoder sent some frames")
        let mean = psnrs.reduce(0, +) / Double(max(1, psnrs.count))
        print("\(width)x\(height) at \(kbps) kbit/s: \(decoded) of 60 frames decoded, luma PSNR mean \(mean) dB")
        #expect(mean > 20)
    }
}
