import Foundation
import Testing
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting
import TrtcNetLab
import TrtcRTP

/// trtcd behind the network lab's userspace relay (issue 12): the server announces the relay as its media address
/// (`--media-announce`), so trtcd's media goes through it, impaired and seeded.
@Suite("trtcd behind an impairment relay", .serialized)
struct NetworkLabDaemonTests {
    @Test("5 % loss on trtcd's uplink: the server asks trtcd for the lost video packets and gets them; its record has no holes")
    func uplinkLossFromARealPublisherIsRepaired() async throws {
        let mediaPort = try freeLoopbackUDPPort()
        try await withImpairmentRelay(port: mediaPort, uplink: try ImpairmentProfile(parsing: "loss=5%,delay=10ms"),
                                      downlink: try ImpairmentProfile(parsing: "delay=10ms"), seed: 12) { relay in
            try await withMediaRoom(users: 1, serverArguments: ["--media", "127.0.0.1:\(mediaPort)", "--media-announce", "127.0.0.1:\(relay.port)"]) { room in
                let alice = room.clients[0]
                try await alice.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240),
                                            "fps": .uint32(15)])
                try await alice.enter("alice", room: .numeric(41), server: room.server)
                try await MediaReconnectTests.waitForFrames(room, user: "alice", count: 60)
                try await Task.sleep(for: .milliseconds(500))  // the last requests answered
                let recorded = try #require(try room.recorded(user: "alice", payloadType: RTPPayloadType.vp8)).packets
                // Sequence numbers relative to the first recorded (a repaired packet may be recorded after later ones).
                let base = try #require(recorded.first?.sequenceNumber)
                let offsets = Set(recorded.map { Int(Int16(bitPattern: $0.sequenceNumber &- base)) })
                let (low, high) = (offsets.min()!, offsets.max()!)
                let holes = (low...high).filter { !offsets.contains($0) }
                let lost = try await relay.statistics(.uplink).dropped[.loss, default: 0]
                let repaired = try await room.metric(#"trtc_media_uplink_packets_total{outcome="repaired"}"#) ?? 0
                let unrepaired = try await room.metric(#"trtc_media_uplink_packets_total{outcome="unrepaired"}"#) ?? 0
                print("trtcd uplink: \(recorded.count) packets recorded (\(high - low + 1) numbers), \(lost) datagrams lost on the relay, \(Int(repaired)) repaired, \(Int(unrepaired)) unrepaired, holes \(holes)")
                #expect(lost >= 5, "the relay lost some of trtcd's datagrams")
                #expect(repaired >= 2, "lost video packets came back after the server's NACK")
                #expect(unrepaired == 0)
                // The newest few may still be on their way back; everything older is there.
                #expect(holes.allSatisfy { $0 > high - 5 }, "no holes in alice's recorded video: \(holes)")
                try await alice.exit()
            }
        }
    }

    @Test("a 2 s outage on trtcd's path: its video reaches the server again at once, and the server's key-frame request brings a key frame")
    func aTwoSecondOutageRecoversWithAKeyFrame() async throws {
        let mediaPort = try freeLoopbackUDPPort()
        try await withImpairmentRelay(port: mediaPort, uplink: try ImpairmentProfile(parsing: "delay=10ms"),
                                      downlink: try ImpairmentProfile(parsing: "delay=10ms"), seed: 12) { relay in
            try await withMediaRoom(users: 1, serverArguments: ["--media", "127.0.0.1:\(mediaPort)", "--media-announce", "127.0.0.1:\(relay.port)"]) { room in
                let alice = room.clients[0]
                try await alice.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120),
                                            "fps": .uint32(15)])
                try await alice.enter("alice", room: .numeric(42), server: room.server)
                try await MediaReconnectTests.waitForFrames(room, user: "alice", count: 10)
                func recordedCount() throws -> Int { try room.recorded(user: "alice", payloadType: RTPPayloadType.vp8)?.packets.count ?? 0 }
                let keyframesBefore = try MediaKeyframeTests.keyframes(room)

                try await relay.outage(for: .seconds(2))
                try await Task.sleep(for: .milliseconds(200))  // what was in flight has landed
                let atStart = try recordedCount()
                try await Task.sleep(for: .milliseconds(1700))
                let atEnd = try recordedCount()
                #expect(atEnd == atStart, "nothing reached the server during the outage")

                // Frames flow again, and the server asked for a key frame instead of the ~2 s of packets in the gap.
                let deadline = ContinuousClock.now + .seconds(5)
                while ContinuousClock.now < deadline, try MediaKeyframeTests.keyframes(room) == keyframesBefore {
                    try await Task.sleep(for: .milliseconds(100))
                }
                let recovered = try recordedCount()
                let serverRequests = try await room.metric(#"trtc_media_keyframe_requests_total{outcome="server"}"#) ?? 0
                let asked = try await room.metric(#"trtc_media_uplink_packets_total{outcome="requested"}"#) ?? 0
                print("trtcd outage: \(atStart) packets before, \(recovered - atEnd) after, key frames \(keyframesBefore) → \(try MediaKeyframeTests.keyframes(room)), server key-frame requests \(Int(serverRequests)), packets asked for \(Int(asked))")
                #expect(recovered > atEnd, "video reaches the server again")
                #expect(try MediaKeyframeTests.keyframes(room) > keyframesBefore, "a key frame after the outage")
                #expect(serverRequests == 1)
                #expect(asked == 0, "no NACKs for the packets sent into the outage")
                try await alice.exit()
            }
        }
    }
}
