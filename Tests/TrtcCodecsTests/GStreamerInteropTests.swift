import Foundation
import Testing
@testable import TrtcCodecs
import TrtcHarness
import TrtcMediaTestSupport
@testable import TrtcRTP

/// Independent check that our RTP is standard: GStreamer's own depayloaders and decoders read it.
/// Streams are written with RFC 4571 framing (16-bit length before each packet) so that
/// `rtpstreamdepay` can read them from a file, which ends cleanly with EOS.
@Suite struct GStreamerInteropTests {
    static func runGStreamer(_ pipeline: String) throws {
        let gst = try CommandRun.runBlocking("/usr/bin/gst-launch-1.0", ["-q"] + pipeline.split(separator: " ").map(String.init))
        try #require(gst.status == 0, "gst-launch-1.0 failed: \(gst.stderr)")
    }

    static func rfc4571(_ packets: [RTPPacket]) -> Data {
        var bytes: [UInt8] = []
        for packet in packets {
            let serialized = packet.serialized()
            bytes.appendBigEndian(UInt16(serialized.count))
            bytes += serialized
        }
        return Data(bytes)
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-codec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func gstreamerDecodesOurVP8Stream() throws {
        let width = 320, height = 240, frameCount = 30
        let encoder = try VP8Encoder(configuration: VP8EncoderConfiguration(width: width, height: height, bitrateKbps: 600))
        var packetizer = try VP8Packetizer(payloadType: RTPPayloadType.vp8)
        let decoder = try VP8Decoder()
        var packets: [RTPPacket] = []
        var ourPictures: [I420Frame] = []
        for index in 0..<frameCount {
            let frames = try encoder.encode(TestPattern.frame(width: width, height: height, index: index), forceKeyframe: index == 15)
            for frame in frames {
                packets += packetizer.packetize(frame)
                if let picture = try decoder.decode(frame.data) { ourPictures.append(picture) }
            }
        }
        try #require(ourPictures.count == frameCount)

        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("vp8.rtpstream")
        let output = directory.appendingPathComponent("decoded.i420")
        try Self.rfc4571(packets).write(to: input)
        try Self.runGStreamer(
            "filesrc location=\(input.path) ! application/x-rtp-stream,media=video,clock-rate=90000,encoding-name=VP8,payload=\(RTPPayloadType.vp8)"
            + " ! rtpstreamdepay ! rtpvp8depay ! vp8dec ! video/x-raw,format=I420 ! filesink location=\(output.path)")

        let decoded = [UInt8](try Data(contentsOf: output))
        let frameSize = width * height * 3 / 2
        #expect(decoded.count == frameCount * frameSize, "GStreamer decoded \(decoded.count / frameSize) frames")
        // GStreamer's vp8dec is libvpx too, so its pictures must equal ours bit for bit.
        for (index, picture) in ourPictures.enumerated() where (index + 1) * frameSize <= decoded.count {
            let base = index * frameSize
            #expect(Array(decoded[base..<base + width * height]) == picture.y, "Y of frame \(index)")
            #expect(Array(decoded[base + width * height..<base + width * height + width * height / 4]) == picture.u, "U of frame \(index)")
        }
    }

    @Test func gstreamerDecodesOurOpusStream() throws {
        let encoder = try OpusEncoder()
        var packetizer = try OpusRTPPacketizer(payloadType: RTPPayloadType.opus)
        var packets: [RTPPacket] = []
        for index in 0..<50 {
            if let packet = packetizer.packetize(try encoder.encode(Tone.sine(frequency: 440, count: 960, startingAt: index * 960))) {
                packets.append(packet)
            }
        }
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("opus.rtpstream")
        let output = directory.appendingPathComponent("decoded.f32")
        try Self.rfc4571(packets).write(to: input)
        try Self.runGStreamer(
            "filesrc location=\(input.path) ! application/x-rtp-stream,media=audio,clock-rate=48000,encoding-name=OPUS,payload=\(RTPPayloadType.opus)"
            + " ! rtpstreamdepay ! rtpopusdepay ! opusdec ! audioconvert ! audio/x-raw,format=F32LE,channels=1,rate=48000"
            + " ! filesink location=\(output.path)")
        let data = try Data(contentsOf: output)
        let samples = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(samples.count >= 45 * 960, "GStreamer decoded \(samples.count) samples")
        let steady = Array(samples[24_000..<min(33_600, samples.count)])
        #expect(abs(Tone.dominantFrequency(in: steady, range: 200...1000) - 440) <= 5)
    }
}
