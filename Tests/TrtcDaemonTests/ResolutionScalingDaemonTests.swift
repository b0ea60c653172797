import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcDBusContract
import TrtcHarness
import TrtcHarnessTesting
import TrtcMeasurement
import TrtcNetLab
import TrtcPipeWire

/// Resolution scaling with real processes (issue 14 §1): trtcd publishes the synthetic camera at 640×480 asking for
/// 800 kbit/s. Behind an uplink of 250 kbit/s the estimate leaves libvpx ~180 kbit/s, its QP stays high and it drops
/// frames, so trtcd sends fewer pixels; a viewer decodes the new size. On a clean link the size stays as asked.
@Suite("trtcd's resolution scaling from the encoder's QP", .serialized)
struct ResolutionScalingDaemonTests {
    static let requested: [String: DBusValue] = ["width": .uint32(640), "height": .uint32(480), "fps": .uint32(30), "bitrate": .uint32(800)]

    @Test("uplink capped at 250 kbit/s, 640×480 at 800 kbit/s asked for: trtcd sends a smaller size (not below 160 px wide) and the viewer decodes that size without decoder errors")
    func cappedUplinkScalesDown() async throws {
        let mediaPort = try freeLoopbackUDPPort()
        // 300 ms at 250 kbit/s is 9.4 kB.
        let uplink = try ImpairmentProfile(parsing: "rate=250kbit,queue=10kb,delay=25ms")
        try await withImpairmentRelay(port: mediaPort, uplink: uplink, downlink: try ImpairmentProfile(parsing: "delay=25ms"), seed: 14) { relay in
            try await withMediaRoom(users: 2, serverArguments: ["--media", "127.0.0.1:\(mediaPort)", "--media-announce", "127.0.0.1:\(relay.port)"]) { room in
                let (alice, bob) = (room.clients[0], room.clients[1])
                let cameraLoop = try PipeWireLoop(name: "scaling-camera", remote: room.pipeWire.socketPath)
                let camera = try SyntheticCamera(loop: cameraLoop, nodeName: "trtc-test-scaling-camera", width: 640, height: 480, fps: 30)
                defer { camera.stop() }
                try await alice.startVideo(Self.requested.merging(["camera": .string(camera.nodeName)]) { $1 })
                try await alice.enter("alice", room: .numeric(15), server: room.server)
                try await bob.enter("bob", room: .numeric(15), server: room.server)
                try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
                _ = try await bob.call("StartRemoteVideo", [.string("alice"), .string("main")])

                // Until alice sends a smaller size and bob's last decoded picture has that size.
                let deadline = ContinuousClock.now + .seconds(40)
                var history: [String] = []
                var last: (local: RoomStatistics.Local, remote: RoomStatistics.Remote)?
                while ContinuousClock.now < deadline {
                    try await Task.sleep(for: .seconds(2))
                    let statistics = try MediaStatisticsTests.latestStatistics(alice)
                    guard let local = statistics.local.first else { continue }
                    let remote = try TemporalLayerDaemonTests.remote(bob)
                    history.append("\(local.width)x\(local.height) (\(local.videoTargetBitrate) of \(statistics.sendEstimateKbps) kbit/s) → bob \(remote.width)x\(remote.height) \(remote.frameRate) fps")
                    last = (local, remote)
                    if local.width < 640 && remote.width == local.width && remote.height == local.height { break }
                }
                let (local, remote) = try #require(last)
                print("behind 250 kbit/s, every 2 s: \(history); bob: \(remote.videoDecoderErrors) decoder errors, \(remote.videoFramesMissingReference) frames missing a reference, \(remote.videoKeyFramesDecoded) key frames")
                #expect(local.width < 640 && local.width >= 160, "alice sends a smaller size: \(history)")
                #expect(local.width * 3 == local.height * 4, "the aspect ratio stays 4:3: \(local.width)x\(local.height)")
                #expect(remote.width == local.width && remote.height == local.height, "bob decodes alice's new size: \(history)")
                #expect(remote.frameRate > 0)
                #expect(remote.videoDecoderErrors == 0)
                for client in [alice, bob] { try await client.exit() }
            }
        }
    }

    @Test("clean link, 640×480 at 800 kbit/s: every statistics of 14 s reports 640×480 sent and decoded (no spurious scaling)")
    func cleanLinkKeepsTheRequestedSize() async throws {
        try await withMediaRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            let cameraLoop = try PipeWireLoop(name: "scaling-camera", remote: room.pipeWire.socketPath)
            let camera = try SyntheticCamera(loop: cameraLoop, nodeName: "trtc-test-scaling-camera", width: 640, height: 480, fps: 30)
            defer { camera.stop() }
            try await alice.startVideo(Self.requested.merging(["camera": .string(camera.nodeName)]) { $1 })
            try await alice.enter("alice", room: .numeric(16), server: room.server)
            try await bob.enter("bob", room: .numeric(16), server: room.server)
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
            _ = try await bob.call("StartRemoteVideo", [.string("alice"), .string("main")])
            var sent: [String] = []
            var decoded: [String] = []
            for _ in 0..<7 {
                try await Task.sleep(for: .seconds(2))
                if let local = try MediaStatisticsTests.latestStatistics(alice).local.first, local.width > 0 {
                    sent.append("\(local.width)x\(local.height)")
                }
                if let remote = try? TemporalLayerDaemonTests.remote(bob), remote.width > 0 {
                    decoded.append("\(remote.width)x\(remote.height)")
                }
            }
            let local = try MediaStatisticsTests.latestStatistics(alice).local.first
            print("clean link: alice sent \(sent) at \(local?.frameRate ?? 0) fps, \(local?.videoBitrate ?? 0) kbit/s (target \(local?.videoTargetBitrate ?? 0)); bob decoded \(decoded)")
            #expect(sent.count >= 5 && sent.allSatisfy { $0 == "640x480" }, "alice's sent size: \(sent)")
            #expect(decoded.count >= 4 && decoded.allSatisfy { $0 == "640x480" }, "bob's decoded size: \(decoded)")
            for client in [alice, bob] { try await client.exit() }
        }
    }
}
