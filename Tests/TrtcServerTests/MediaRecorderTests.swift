import Foundation
import Testing
import TrtcCore
import TrtcCodecs
import TrtcHarness
import TrtcRTP

/// `--record DIR`: real VP8 RTP through the SFU ends up in a file GStreamer can depacketize and decode.
@Suite struct MediaRecorderTests {
    static let width = 160, height = 120, frameCount = 20

    /// A moving gradient, so that frames differ and the encoder produces real inter frames.
    static func picture(_ index: Int) throws -> I420Frame {
        var y = [UInt8](repeating: 0, count: width * height)
        for row in 0..<height {
            for column in 0..<width { y[row * width + column] = UInt8(truncatingIfNeeded: column * 2 + row + index * 5) }
        }
        let chroma = [UInt8](repeating: 128, count: (width / 2) * (height / 2))
        return try I420Frame(width: width, height: height, y: y, strideY: width, u: chroma, strideU: width / 2,
                             v: chroma, strideV: width / 2, timestamp: .milliseconds(index * 33))
    }

    @Test func recordedVP8StreamDecodesWithGStreamer() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-record-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }

        let (sent, grant) = try await withTestServer(recordDirectory: directory.path) { server in
            try await withClients(2, server) { clients in
                let alice = try await clients[0].enter("alice", room: .string("rec room"), video: true)
                let bob = try await clients[1].enter("bob", room: .string("rec room"))
                return try await withUDPSockets(2) { sockets in
                    let (a, b) = (sockets[0], sockets[1])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    let encoder = try VP8Encoder(configuration: VP8EncoderConfiguration(width: Self.width, height: Self.height, bitrateKbps: 300))
                    var packetizer = try VP8Packetizer(ssrc: alice.media.videoSsrc, payloadType: RTPPayloadType.vp8)
                    var sent: [[UInt8]] = []
                    for index in 0..<Self.frameCount {
                        for frame in try encoder.encode(try Self.picture(index)) {
                            for packet in packetizer.packetize(frame) {
                                let bytes = packet.serialized()
                                try await a.send(bytes, to: alice.media)
                                // Received by bob means handled by the server: nothing is lost on the way to the file.
                                #expect(try await b.receive() == bytes)
                                sent.append(bytes)
                            }
                        }
                    }
                    return (sent, alice.media)
                }
            }
        }
        // The server has shut down, so the recorder has written everything.
        let name = "\(TestServer.sdkAppId)-str_rec%20room-alice-\(grant.videoSsrc).rtp"
        let recorded = try Data(contentsOf: directory.appendingPathComponent(name))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files == [name])
        var expected: [UInt8] = []
        for packet in sent { expected += [UInt8(packet.count >> 8), UInt8(packet.count & 0xFF)] + packet }
        #expect([UInt8](recorded) == expected)

        let output = directory.appendingPathComponent("decoded.i420")
        // Waited for without blocking a cooperative thread (other suites' heartbeats need them).
        let gst = try await CommandRun.run("/usr/bin/gst-launch-1.0", ["-q"] + (
            "filesrc location=\(directory.appendingPathComponent(name).path)"
            + " ! application/x-rtp-stream,media=video,clock-rate=90000,encoding-name=VP8,payload=\(RTPPayloadType.vp8)"
            + " ! rtpstreamdepay ! rtpvp8depay ! vp8dec ! video/x-raw,format=I420 ! filesink location=\(output.path)"
        ).split(separator: " ").map(String.init))
        try #require(gst.status == 0, "gst-launch-1.0 failed: \(gst.stderr)")
        let decoded = try Data(contentsOf: output)
        #expect(decoded.count == Self.frameCount * Self.width * Self.height * 3 / 2,
                "GStreamer decoded \(decoded.count / (Self.width * Self.height * 3 / 2)) of \(Self.frameCount) frames")
    }
}
