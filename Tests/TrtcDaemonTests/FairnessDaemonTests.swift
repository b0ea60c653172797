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

/// RFC 8868's fairness case with real processes (issue 14): two trtcds publish through ONE seeded relay, whose
/// uplink serialises both clients' datagrams through one 1.5 Mbit/s capacity and one 300 ms drop-tail queue; the
/// server announces the relay to the two publishers only (`--media-announce-user`), so the viewer's link is clean.
/// Each asks 1.5 Mbit/s, together twice what the bottleneck carries: their estimators must share it.
@Suite("two trtcds sharing one capped uplink", .serialized)
struct FairnessDaemonTests {
    static let capacityKbps = 1500

    @Test("two publishers asking 1.5 Mbit/s each through one shared 1.5 Mbit/s bottleneck (300 ms queue, 100 ms round trip): over the last 16 s each sends 0.33–3× of the other, together no more than the capacity and at least 40 % of it, and the viewer gets both")
    func twoPublishersShareOneBottleneck() async throws {
        let mediaPort = try freeLoopbackUDPPort()
        // 300 ms at 1.5 Mbit/s is 56.25 kB; the return path (transport feedback) is only delayed.
        let uplink = try ImpairmentProfile(parsing: "rate=\(Self.capacityKbps)kbit,queue=56250b,delay=50ms")
        try await withImpairmentRelay(port: mediaPort, uplink: uplink, downlink: try ImpairmentProfile(parsing: "delay=50ms"), seed: 8868) { relay in
            let announce = ["alice", "bob"].flatMap { ["--media-announce-user", "\($0)=127.0.0.1:\(relay.port)"] }
            try await withMediaRoom(users: 3, serverArguments: ["--media", "127.0.0.1:\(mediaPort)"] + announce) { room in
                let (alice, bob, carol) = (room.clients[0], room.clients[1], room.clients[2])
                let cameraLoop = try PipeWireLoop(name: "fair-cameras", remote: room.pipeWire.socketPath)
                // 320×240: two debug-build encoders plus the scenes drawn on a loaded machine; libvpx still exceeds
                // 750 kbit/s each on trtc-bench's synthetic scene (a person moving) when asked 1.5 Mbit/s.
                var cameras: [SyntheticCamera] = []
                defer { for camera in cameras { camera.stop() } }
                for (client, name) in [(alice, "alice"), (bob, "bob")] {
                    let camera = try SyntheticCamera(loop: cameraLoop, nodeName: "trtc-test-fair-\(name)", width: 320, height: 240, fps: 30)
                    cameras.append(camera)
                    try await client.startVideo(["camera": .string(camera.nodeName), "width": .uint32(320), "height": .uint32(240),
                                                 "fps": .uint32(30), "bitrate": .uint32(1500)])
                    try await client.enter(name, room: .numeric(8868), server: room.server)
                }
                try await carol.enter("carol", room: .numeric(8868), server: room.server)
                for name in ["alice", "bob"] {
                    try await carol.waitFor("UserVideoAvailable") { $0 == [.string(name), .boolean(true)] }
                    _ = try await carol.call("StartRemoteVideo", [.string(name), .string("main")])
                }
                try await Task.sleep(for: .seconds(14))  // the estimators' start-up (RFC 8868 leaves the first seconds out too)

                let counts = (alice: alice.signals.count, bob: bob.signals.count, carol: carol.signals.count)
                let before = try await relay.statistics(.uplink)
                try await Task.sleep(for: .seconds(16))
                let after = try await relay.statistics(.uplink)
                let aliceSamples = Self.statistics(alice, after: counts.alice)
                let bobSamples = Self.statistics(bob, after: counts.bob)
                let carolLast = try MediaStatisticsTests.latestStatistics(carol)
                func mean(_ samples: [RoomStatistics], _ value: (RoomStatistics) -> UInt32) -> Double {
                    Double(samples.map { Int(value($0)) }.reduce(0, +)) / Double(max(samples.count, 1))
                }
                let sent = (alice: mean(aliceSamples, \.sentKbps), bob: mean(bobSamples, \.sentKbps))
                let queueDrops = after.dropped[.queue, default: 0] - before.dropped[.queue, default: 0]
                let received = ["alice", "bob"].map { name in carolLast.remote.first { $0.userId == name }?.frameRate ?? 0 }
                print("two publishers through one \(Self.capacityKbps) kbit/s uplink: alice estimates \(aliceSamples.map(\.sendEstimateKbps)) sends \(aliceSamples.map(\.sentKbps)) kbit/s at \(aliceSamples.compactMap { $0.local.first?.frameRate }) fps; bob estimates \(bobSamples.map(\.sendEstimateKbps)) sends \(bobSamples.map(\.sentKbps)) kbit/s at \(bobSamples.compactMap { $0.local.first?.frameRate }) fps; means \(Int(sent.alice)) / \(Int(sent.bob)) kbit/s (ratio \(String(format: "%.2f", sent.alice / max(sent.bob, 1)))); carol receives \(received) fps; the queue dropped \(queueDrops) of \(after.packets - before.packets) datagrams")
                #expect(aliceSamples.count >= 5 && bobSamples.count >= 5, "Statistics every 2 s")
                let ratio = sent.alice / max(sent.bob, 1)
                #expect(ratio >= 1.0 / 3 && ratio <= 3, "alice sends \(Int(sent.alice)), bob \(Int(sent.bob)) kbit/s: ratio \(ratio)")
                #expect(sent.alice + sent.bob <= Double(Self.capacityKbps), "together they fit the bottleneck: \(Int(sent.alice + sent.bob)) kbit/s")
                // A sanity bound, not a utilisation target: the bench's runs on this loaded machine used 52–90 % of it.
                #expect(sent.alice + sent.bob >= Double(Self.capacityKbps) * 0.4, "the bottleneck is used (each asked for all of it)")
                #expect(received.allSatisfy { $0 >= 10 }, "carol gets both videos: \(received) fps")
                for client in [alice, bob, carol] { try await client.exit() }
            }
        }
    }

    /// The `Statistics` signals `client` sent after its first `count` signals.
    static func statistics(_ client: RoomClient, after count: Int) -> [RoomStatistics] {
        client.signals.dropFirst(count).compactMap { signal in
            guard signal.member == "Statistics", case .statistics(let statistics)? = RoomSignal(member: signal.member, arguments: signal.arguments)
            else { return nil }
            return statistics
        }
    }
}
