import Testing
import TrtcCodecs
@testable import TrtcMeasurement

/// `SyntheticScene`: deterministic, moving, and content an encoder treats like a camera's (not noise).
struct SyntheticSceneTests {
    @Test("the same frame id gives the same picture, from another scene of the same size too")
    func deterministic() throws {
        let first = try SyntheticScene(width: 320, height: 240)
        let second = try SyntheticScene(width: 320, height: 240)
        for id: UInt32 in [0, 1, 29, 1000, 54_321] {
            #expect(first.picture(id) == second.picture(id))
        }
    }

    @Test("consecutive pictures differ (motion), but far less than unrelated pictures would")
    func moves() throws {
        let scene = try SyntheticScene(width: 320, height: 240)
        for id: UInt32 in [0, 10, 333] {
            let a = scene.picture(id)
            let b = scene.picture(id + 1)
            let psnr = try #require(a.lumaPSNR(comparedTo: b))
            #expect(psnr.isFinite, "frame \(id) and \(id + 1) differ")
            #expect(psnr > 12, "frame \(id) and \(id + 1) are alike: \(psnr) dB")
        }
    }

    @Test("odd and out-of-range sizes are refused")
    func sizes() {
        for (width, height) in [(321, 240), (8, 8), (320, 5000)] {
            #expect(throws: FrameError.self) { _ = try SyntheticScene(width: width, height: height) }
        }
    }

    @Test("at 640×480@30 and trtcd's 800 kbit/s, libvpx's rate control keeps at least 28 of 30 frames a second (the noisy test camera kept 22.6)")
    func encoderKeepsTheFrameRate() throws {
        let scene = try SyntheticScene(width: 640, height: 480)
        let encoder = try VP8Encoder(configuration: VP8EncoderConfiguration(width: 640, height: 480, framesPerSecond: 30, bitrateKbps: 800))
        var sent = 0
        var bytes = 0
        for index in 0..<90 {
            let stamp = FrameStamp(frameId: UInt32(index), captureMicroseconds: UInt64(index) * 33_333)
            let encoded = try encoder.encode(try scene.stampedPicture(stamp))
            sent += encoded.count
            bytes += encoded.reduce(0) { $0 + $1.data.count }
        }
        print("synthetic scene 640x480 at 800 kbit/s: \(sent) of 90 frames encoded, \(bytes * 8 / 3 / 1000) kbit/s")
        #expect(sent >= 84)
    }
}
