import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness
import TrtcMeasurement
import TrtcPipeWire

/// The glass-to-glass measurement's whole path with real processes (issue 12 §2): the synthetic camera (a node of
/// this test process) → trtcd publishing it → trtc-server → a second trtcd's StartRemoteVideo node → read back here
/// as an app would; the stamps come back readable, in order, with a finite latency, and the pictures match the ones
/// sent (rebuilt from their frame ids).
@Suite("stamped video through two trtcds and the server", .serialized)
struct StampedVideoPipelineTests {
    @Test("every picture read from the viewer's node carries a readable stamp; ids increase; latency is finite; PSNR vs the sent picture is high")
    func stampsComeBackInOrder() async throws {
        try await withMediaRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            let cameraLoop = try PipeWireLoop(name: "stamped-video-camera", remote: room.pipeWire.socketPath)
            let viewerLoop = try PipeWireLoop(name: "stamped-video-viewer", remote: room.pipeWire.socketPath)
            let camera = try SyntheticCamera(loop: cameraLoop, nodeName: "trtc-test-stamped-camera", width: 320, height: 240, fps: 30)
            defer { camera.stop() }
            try await alice.startVideo([
                "camera": .string(camera.nodeName), "width": .uint32(320), "height": .uint32(240), "fps": .uint32(30),
                "bitrate": .uint32(400),
            ])
            try await alice.enter("alice", room: .numeric(44), server: room.server)
            try await bob.enter("bob", room: .numeric(44), server: room.server)
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
            try await bob.call("StartRemoteVideo", [.string("alice"), .string("main")])

            let reader = try StampedVideoReader(loop: viewerLoop, nodeName: "trtcd.remote.alice.main", width: 320, height: 240,
                                                scene: camera.scene, qualityEvery: 3)
            #expect(reader.format.hasPrefix("I420 320x240"), "\(reader.format)")
            let deadline = ContinuousClock.now + .seconds(20)
            while reader.readableCount < 60, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            await reader.stop()

            let pictures = reader.pictures
            let latencies = DurationPercentiles(pictures.map(\.latency))
            let psnr = reader.quality.map { min($0.psnr, 99) }
            print("stamped video: \(pictures.count) pictures read, \(reader.unreadable) unreadable, ids \(pictures.first?.frameId ?? 0)…\(pictures.last?.frameId ?? 0) "
                  + "of \(camera.framesPushed) pushed, latency p50 \(latencies.percentile(0.5) ?? .zero) max \(latencies.percentile(1) ?? .zero), "
                  + "PSNR mean \(psnr.reduce(0, +) / Double(max(1, psnr.count))) dB over \(psnr.count)")
            #expect(pictures.count >= 60, "pictures with a readable stamp")
            #expect(reader.unreadable == 0)
            #expect(zip(pictures, pictures.dropFirst()).allSatisfy { $0.frameId < $1.frameId }, "frame ids strictly increase")
            #expect(pictures.allSatisfy { Int($0.frameId) < camera.framesPushed }, "only ids the camera sent")
            #expect(pictures.allSatisfy { $0.latency > .zero && $0.latency < .seconds(2) }, "capture before read, well within 2 s")
            #expect(!psnr.isEmpty && psnr.allSatisfy { $0 > 25 }, "the pictures are the ones sent: \(psnr)")
            try await bob.exit()
            try await alice.exit()
        }
    }
}
