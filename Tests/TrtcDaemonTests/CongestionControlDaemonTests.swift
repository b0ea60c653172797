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

/// Send-side bandwidth estimation with real processes (issue 14 §1): trtcd publishes the synthetic camera at a
/// bitrate its uplink cannot carry, through the seeded relay capping that uplink; trtc-server's transport-wide
/// feedback drives trtcd's estimator, and the estimate drives libvpx.
@Suite("trtcd's send-side bandwidth estimation behind a capped uplink", .serialized)
struct CongestionControlDaemonTests {
    @Test("uplink capped at 500 kbit/s, 300 ms queue, 50 ms round trip, 1.5 Mbit/s asked for: the estimate's mean over the last 10 s of 30 is 300–600 kbit/s, the encoder's target follows, what trtcd sends fits and the relay's queue stops overflowing")
    func sendRateConvergesUnderACappedUplink() async throws {
        let mediaPort = try freeLoopbackUDPPort()
        // 300 ms at 500 kbit/s is 18.75 kB.
        let uplink = try ImpairmentProfile(parsing: "rate=500kbit,queue=19kb,delay=25ms")
        try await withImpairmentRelay(port: mediaPort, uplink: uplink, downlink: try ImpairmentProfile(parsing: "delay=25ms"), seed: 14) { relay in
            try await withMediaRoom(users: 1, serverArguments: ["--media", "127.0.0.1:\(mediaPort)", "--media-announce", "127.0.0.1:\(relay.port)"]) { room in
                let alice = room.clients[0]
                let cameraLoop = try PipeWireLoop(name: "bwe-camera", remote: room.pipeWire.socketPath)
                // 320×240: the synthetic scene is drawn fast enough in a debug build for libvpx to exceed 500 kbit/s.
                let camera = try SyntheticCamera(loop: cameraLoop, nodeName: "trtc-test-bwe-camera", width: 320, height: 240, fps: 30)
                defer { camera.stop() }
                try await alice.startVideo([
                    "camera": .string(camera.nodeName), "width": .uint32(320), "height": .uint32(240), "fps": .uint32(30),
                    "bitrate": .uint32(1500),
                ])
                try await alice.enter("alice", room: .numeric(43), server: room.server)
                try await MediaReconnectTests.waitForFrames(room, user: "alice", count: 10)
                try await Task.sleep(for: .seconds(20))  // libwebrtc's bar: 450 ± 100 kbit/s within 25 s

                let before = try await relay.statistics(.uplink)
                var samples: [RoomStatistics] = []
                let statisticsBefore = alice.signals.count  // all signals: the window's are those after
                let start = MonotonicClock.now
                try await Task.sleep(for: .seconds(10))
                let elapsed = (MonotonicClock.now - start) / .seconds(1)
                let after = try await relay.statistics(.uplink)
                for signal in alice.signals.dropFirst(statisticsBefore) where signal.member == "Statistics" {
                    if case .statistics(let statistics)? = RoomSignal(member: signal.member, arguments: signal.arguments) { samples.append(statistics) }
                }
                let estimates = samples.map { Int($0.sendEstimateKbps) }
                let sent = samples.map { Int($0.sentKbps) }
                let targets = samples.compactMap { $0.local.first.map { Int($0.videoTargetBitrate) } }
                let frameRates = samples.compactMap { $0.local.first.map { Int($0.frameRate) } }
                let deliveredKbps = Double(after.bytesDelivered - before.bytesDelivered) * 8 / 1000 / elapsed
                let offered = after.packets - before.packets
                let queueDrops = after.dropped[.queue, default: 0] - before.dropped[.queue, default: 0]
                let metric = try await room.metric("trtc_media_uplink_transport_feedback_total") ?? 0
                let probePackets = try await room.metric("trtc_media_probe_packets_total") ?? 0
                print("trtcd behind 500 kbit/s: estimates \(estimates) kbit/s, sent \(sent) kbit/s, video targets \(targets) kbit/s at \(frameRates) fps, relay delivered \(Int(deliveredKbps)) kbit/s, \(queueDrops) of \(offered) datagrams dropped by the full queue, \(Int(metric)) feedback packets, \(Int(probePackets)) probe packets")
                #expect(metric > 100, "the server sent transport feedback")
                // Below the 1.5 Mbit/s asked for, trtcd probes (every 3 s, padding on its own SSRC) and the server
                // counts the probes' packets in its feedback.
                #expect(probePackets >= 5, "probe packets reached the server")
                #expect(samples.count >= 3)
                // The estimate saws (a backoff to 0.85 × what arrived, then growth): on this loaded machine between
                // ~240 and ~600 kbit/s. Its mean is what must sit near the capacity.
                let meanEstimate = estimates.reduce(0, +) / max(estimates.count, 1)
                #expect((300...600).contains(meanEstimate), "mean estimate \(meanEstimate) kbit/s: \(estimates)")
                #expect(estimates.allSatisfy { (150...700).contains($0) }, "estimate \(estimates)")
                #expect(targets.allSatisfy { $0 < 600 }, "the encoder's target follows the estimate: \(targets)")
                let meanSent = Double(sent.reduce(0, +)) / Double(max(sent.count, 1))
                #expect(meanSent <= 540, "what trtcd sends fits the link: \(sent)")
                #expect(deliveredKbps >= 250, "the link is used")
                #expect(Double(queueDrops) <= Double(offered) * 0.02, "the relay's queue does not keep overflowing")
                try await alice.exit()
            }
        }
    }

    @Test("uplink 2.5 Mbit/s dropping to 0.6 Mbit/s 15 s after the relay starts (300 ms queue at 0.6, 50 ms round trip), 1.5 Mbit/s asked for: from 6 s after the drop the estimate's mean is ≥ 70 % of 0.6 Mbit/s and what trtcd sends fits")
    func estimateRecoversAfterACapacityDrop() async throws {
        let mediaPort = try freeLoopbackUDPPort()
        let uplink = try ImpairmentProfile(parsing: "rates=0s:2500kbit/15s:600kbit,queue=22500b,delay=25ms")
        try await withImpairmentRelay(port: mediaPort, uplink: uplink, downlink: try ImpairmentProfile(parsing: "delay=25ms"), seed: 15) { relay in
            let relayStart = MonotonicClock.now
            try await withMediaRoom(users: 1, serverArguments: ["--media", "127.0.0.1:\(mediaPort)", "--media-announce", "127.0.0.1:\(relay.port)"]) { room in
                let alice = room.clients[0]
                let cameraLoop = try PipeWireLoop(name: "bwe-drop-camera", remote: room.pipeWire.socketPath)
                let camera = try SyntheticCamera(loop: cameraLoop, nodeName: "trtc-test-bwe-drop-camera", width: 320, height: 240, fps: 30)
                defer { camera.stop() }
                try await alice.startVideo([
                    "camera": .string(camera.nodeName), "width": .uint32(320), "height": .uint32(240), "fps": .uint32(30),
                    "bitrate": .uint32(1500),
                ])
                try await alice.enter("alice", room: .numeric(44), server: room.server)
                try await MediaReconnectTests.waitForFrames(room, user: "alice", count: 10)
                let measureFrom = relayStart + .seconds(21)
                let now = MonotonicClock.now
                if now < measureFrom { try await Task.sleep(for: measureFrom - now) }
                let statisticsBefore = alice.signals.count  // all signals: the window's are those after
                try await Task.sleep(for: .seconds(8))
                var samples: [RoomStatistics] = []
                for signal in alice.signals.dropFirst(statisticsBefore) where signal.member == "Statistics" {
                    if case .statistics(let statistics)? = RoomSignal(member: signal.member, arguments: signal.arguments) { samples.append(statistics) }
                }
                let estimates = samples.map { Int($0.sendEstimateKbps) }
                let sent = samples.map { Int($0.sentKbps) }
                print("trtcd 6–14 s after 2.5 → 0.6 Mbit/s: estimates \(estimates) kbit/s, sent \(sent) kbit/s")
                #expect(samples.count >= 3)
                let meanEstimate = estimates.reduce(0, +) / max(estimates.count, 1)
                #expect(meanEstimate >= 420, "mean estimate \(meanEstimate) kbit/s: \(estimates)")
                #expect(Double(sent.reduce(0, +)) / Double(max(sent.count, 1)) <= 600, "what trtcd sends fits the link: \(sent)")
                try await alice.exit()
            }
        }
    }
}
