import Foundation
import Logging
import NIOCore
import Testing
@testable import TrtcServer
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

    /// Descriptors of this process open on files in `directory`.
    static func descriptors(into directory: URL) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"))?.hasPrefix(directory.path + "/") == true
        }.count
    }

    @Test("security L4: recordings are 0600 in a 0700 directory; 20 streams keep at most 4 files open, and a stream whose file was closed goes on appending")
    func privateFilesAndBoundedDescriptors() async throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-record-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: parent) }
        let directory = parent.appendingPathComponent("calls")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        let recorder = MediaRecorder(directory: directory.path, metrics: ServerMetrics().media, logger: Logger(label: "test"),
                                     maxOpenFiles: 4)
        try recorder.prepare()
        let running = Task { await recorder.run() }
        let streams = 20, rounds = 3
        for round in 0..<rounds {
            for ssrc in 0..<streams {
                recorder.record(ByteBuffer(bytes: [UInt8(round), UInt8(ssrc)]), recordingName: "1-5-u", ssrc: UInt32(ssrc))
            }
        }
        // Every packet written (each file complete), the recorder still running: what does it keep open?
        let deadline = ContinuousClock.now + .seconds(10)
        func complete() -> Bool {
            (0..<streams).allSatisfy { ssrc in
                (try? Data(contentsOf: directory.appendingPathComponent("1-5-u-\(ssrc).rtp")).count) == rounds * 4
            }
        }
        while !complete(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(complete())
        #expect(try Self.descriptors(into: directory) <= 4, "at most maxOpenFiles descriptors for \(streams) streams")
        recorder.finish()
        await running.value
        #expect(try Self.descriptors(into: directory) == 0)

        #expect((try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int) == 0o700)
        for ssrc in 0..<streams {
            let file = directory.appendingPathComponent("1-5-u-\(ssrc).rtp")
            #expect([UInt8](try Data(contentsOf: file)) == (0..<rounds).flatMap { [0, 2, UInt8($0), UInt8(ssrc)] }, "stream \(ssrc)")
            #expect((try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int) == 0o600)
        }
    }

    @Test("security L4: a recording file left from an earlier run with a wider mode is made 0600 and started anew")
    func earlierFileMadePrivate() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-record-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("1-5-u-99.rtp")
        #expect(FileManager.default.createFile(atPath: file.path, contents: Data([1, 2, 3]), attributes: [.posixPermissions: 0o644]))
        let recorder = MediaRecorder(directory: directory.path, metrics: ServerMetrics().media, logger: Logger(label: "test"))
        try recorder.prepare()
        let running = Task { await recorder.run() }
        recorder.record(ByteBuffer(bytes: [7]), recordingName: "1-5-u", ssrc: 99)
        recorder.finish()
        await running.value
        #expect([UInt8](try Data(contentsOf: file)) == [0, 1, 7])
        #expect((try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int) == 0o600)
    }
}
