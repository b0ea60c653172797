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
import TrtcRTP

/// Per-receiver adaptation at the SFU (issue 14 §3): one publisher with VP8 temporal layers, two trtcd receivers, one
/// of them behind the network lab's relay limited to 300 kbit/s (the server tells only that user the relay's address,
/// `--media-announce-user`). The limited one gets the base layer (about half the frame rate), decoded without errors;
/// the other keeps every frame.
@Suite("temporal layers per receiver at the SFU", .serialized)
struct TemporalLayerDaemonTests {
    @Test("a receiver behind 300 kbit/s gets layer 0 only (~15 fps of 30, no decoder errors), the unlimited one (nearly) all 30 fps")
    func limitedReceiverGetsTheBaseLayer() async throws {
        try await Self.withCarolBehind300kbit(users: 3, seed: 14) { room, relay in
            let (alice, bob, carol) = (room.clients[0], room.clients[1], room.clients[2])
            try await alice.enter("alice", room: .numeric(14), server: room.server)
            for (client, name) in [(bob, "bob"), (carol, "carol")] {
                try await client.enter(name, room: .numeric(14), server: room.server)
                try await client.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
                _ = try await client.call("StartRemoteVideo", [.string("alice"), .string("main")])
            }
            // Carol's estimate settles within a few receiver reports; then watch both for 8 s (four statistics).
            try await Task.sleep(for: .seconds(8))
            let start = (bob: try Self.remote(bob), carol: try Self.remote(carol))
            try await Task.sleep(for: .seconds(8))
            let end = (bob: try Self.remote(bob), carol: try Self.remote(carol))
            let dropped = try await room.metric("trtc_media_layer_dropped_packets_total") ?? 0
            let down = try await room.metric(#"trtc_media_layer_switches_total{direction="down"}"#) ?? 0
            let up = try await room.metric(#"trtc_media_layer_switches_total{direction="up"}"#) ?? 0
            let relayed = try await relay.statistics(.downlink)
            let sent = try MediaStatisticsTests.latestStatistics(alice).local.first  // about when end was taken
            let plis = try await room.metric(#"trtc_media_keyframe_requests_total{outcome="forwarded"}"#) ?? 0
            print("alice sends \(sent?.frameRate ?? 0) fps, \(sent?.videoBitrate ?? 0) kbit/s; \(Int(plis)) key-frame requests reached her")
            print("bob: \(end.bob.frameRate) fps, \(end.bob.videoBitrate) kbit/s, freezes \(start.bob.videoFreezeCount)→\(end.bob.videoFreezeCount); carol: \(end.carol.frameRate) fps, \(end.carol.videoBitrate) kbit/s, freezes \(start.carol.videoFreezeCount)→\(end.carol.videoFreezeCount), decoder errors \(end.carol.videoDecoderErrors), missing references \(end.carol.videoFramesMissingReference); server: \(Int(dropped)) packets dropped for layers, \(Int(down)) switches down, \(Int(up)) up; relay toward carol dropped \(relayed.dropped)")
            // Over time (every 2 s): what alice estimated and sent, what carol got; a failure is read from these.
            print("alice estimate/target/sent kbit/s, fps:", Self.series(alice) { "\($0.sendEstimateKbps)/\($0.local.first?.videoTargetBitrate ?? 0)/\($0.local.first?.videoBitrate ?? 0) \($0.local.first?.frameRate ?? 0)" })
            print("carol fps/kbit/s:", Self.series(carol) { s in s.remote.first { $0.userId == "alice" }.map { "\($0.frameRate)/\($0.videoBitrate)" } ?? "-" })
            #expect(down >= 1, "carol's layer was lowered")
            #expect(dropped > 100, "layer 1 packets were not sent to carol")
            // Margins for a loaded 2-core machine (the publisher itself sometimes falls below 30 fps); freezes are
            // printed, not asserted: key frames asked for by carol stall everyone's picture briefly (no pacing yet).
            // What alice manages to send on a loaded machine is the reference: bob gets about all of it, carol half.
            let sentRate = Int(sent?.frameRate ?? 30)
            #expect(Int(end.bob.frameRate) >= min(sentRate, 30) - 6, "bob keeps (nearly) the full frame rate: \(end.bob.frameRate)")
            #expect(abs(Int(end.carol.frameRate) - sentRate / 2) <= 4, "carol gets the base layer, half of \(sentRate) fps: \(end.carol.frameRate)")
            #expect(end.carol.frameRate >= 8 && end.carol.frameRate + 4 <= end.bob.frameRate)
            #expect(end.carol.videoBitrate < 300 && end.bob.videoBitrate > end.carol.videoBitrate)
            #expect(end.carol.videoDecoderErrors == 0 && end.bob.videoDecoderErrors == 0)
            // Statistics say which layers each receiver gets (issue 14 §4).
            #expect(end.carol.receivedTemporalLayers == 1 && end.bob.receivedTemporalLayers == 2,
                    "receivedTemporalLayers: carol \(end.carol.receivedTemporalLayers), bob \(end.bob.receivedTemporalLayers)")
            // Bob takes the whole stream: nothing limits alice's video.
            #expect(try MediaStatisticsTests.latestStatistics(alice).receiverLimitKbps == 0)
            #expect(try await room.metric("trtc_media_publisher_video_limits_total") == 0)
            for client in [alice, bob, carol] { try await client.exit() }
        }
    }

    @Test("the only receiver behind 300 kbit/s: the server limits the publisher (REMB) to what that link carries, and the receiver gets every layer (> 15 fps) without decoder errors")
    func onlyLimitedReceiverHoldsThePublisher() async throws {
        try await Self.withCarolBehind300kbit(users: 2, seed: 15) { room, _ in
            let (alice, carol) = (room.clients[0], room.clients[1])
            try await alice.enter("alice", room: .numeric(15), server: room.server)
            try await carol.enter("carol", room: .numeric(15), server: room.server)
            try await carol.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
            _ = try await carol.call("StartRemoteVideo", [.string("alice"), .string("main")])
            // The cut (two lossy reports), the limit reaching alice's encoder, the layer coming back: then 8 s.
            try await Task.sleep(for: .seconds(12))
            let start = try Self.remote(carol)
            try await Task.sleep(for: .seconds(8))
            let end = try Self.remote(carol)
            let limits = try await room.metric("trtc_media_publisher_video_limits_total") ?? 0
            let sent = try MediaStatisticsTests.latestStatistics(alice)
            print("alice limit/target/sent kbit/s, fps:", Self.series(alice) { "\($0.receiverLimitKbps)/\($0.local.first?.videoTargetBitrate ?? 0)/\($0.local.first?.videoBitrate ?? 0) \($0.local.first?.frameRate ?? 0)" })
            print("carol fps/kbit/s/layers:", Self.series(carol) { s in s.remote.first { $0.userId == "alice" }.map { "\($0.frameRate)/\($0.videoBitrate)/\($0.receivedTemporalLayers)" } ?? "-" })
            print("\(Int(limits)) REMBs; carol freezes \(start.videoFreezeCount)→\(end.videoFreezeCount), decoder errors \(end.videoDecoderErrors)")
            #expect(limits >= 5, "the server told alice her receivers' limit (\(Int(limits)) REMBs)")
            // Far below the 800 asked; it moves around the link's 300 kbit/s (it grows while carol's queue is short).
            #expect(sent.receiverLimitKbps > 0 && sent.receiverLimitKbps <= 400, "alice's limit: \(sent.receiverLimitKbps) kbit/s")
            let target = sent.local.first?.videoTargetBitrate ?? 0
            #expect(target > 0 && target <= 400, "alice's encoder follows the limit: target \(target) kbit/s")
            let sentRate = Int(sent.local.first?.frameRate ?? 30)
            #expect(Int(end.frameRate) >= min(sentRate, 30) - 8, "carol gets (nearly) every frame again: \(end.frameRate) of \(sentRate)")
            #expect(end.receivedTemporalLayers == 2, "carol gets both layers: \(end.receivedTemporalLayers)")
            #expect(end.videoBitrate < 300)
            #expect(end.videoDecoderErrors == 0)
            for client in [alice, carol] { try await client.exit() }
        }
    }

    /// A room of `users` trtcds (alice first, carol last) in which carol reaches the server through the relay:
    /// 300 kbit/s toward her with a 1 s queue (a key frame of ~30 KB fits), her uplink (reports, NACKs) clean; the
    /// server tells only her the relay's address (`--media-announce-user`). Alice has started publishing trtc-bench
    /// network's synthetic scene (a person moving: ~800 kbit/s of real video, unlike the test pattern) at 320×240@30,
    /// 800 kbit/s asked; nobody has entered yet.
    static func withCarolBehind300kbit(users: Int, seed: UInt64,
                                       _ body: @escaping @Sendable (MediaRoom, ImpairmentRelay) async throws -> Void) async throws {
        let mediaPort = try freeLoopbackUDPPort()
        try await withImpairmentRelay(port: mediaPort, uplink: try ImpairmentProfile(parsing: "delay=5ms"),
                                      downlink: try ImpairmentProfile(parsing: "rate=300kbit,queue=37500b,delay=5ms"), seed: seed) { relay in
            try await withMediaRoom(users: users, serverArguments: ["--media", "127.0.0.1:\(mediaPort)",
                                                                   "--media-announce-user", "carol=127.0.0.1:\(relay.port)"]) { room in
                let cameraLoop = try PipeWireLoop(name: "layers-camera", remote: room.pipeWire.socketPath)
                let camera = try SyntheticCamera(loop: cameraLoop, nodeName: "trtc-test-layers-camera", width: 320, height: 240, fps: 30)
                defer { camera.stop() }
                try await room.clients[0].startVideo(["camera": .string(camera.nodeName), "width": .uint32(320), "height": .uint32(240),
                                                      "fps": .uint32(30), "bitrate": .uint32(800)])
                try await body(room, relay)
            }
        }
    }

    /// Every `Statistics` signal `client` got so far, each described by `describe`.
    static func series(_ client: RoomClient, _ describe: (RoomStatistics) -> String) -> String {
        client.signals.filter { $0.member == "Statistics" }.compactMap { signal in
            guard case .statistics(let statistics)? = RoomSignal(member: signal.member, arguments: signal.arguments) else { return nil }
            return describe(statistics)
        }.joined(separator: ", ")
    }

    /// `client`'s latest statistics of alice's stream.
    static func remote(_ client: RoomClient) throws -> RoomStatistics.Remote {
        let statistics = try MediaStatisticsTests.latestStatistics(client)
        return try #require(statistics.remote.first { $0.userId == "alice" }, "no statistics of alice's stream")
    }
}
