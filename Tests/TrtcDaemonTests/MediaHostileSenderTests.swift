import Foundation
import Logging
import Testing
import TrtcClient
import TrtcCore
import TrtcCodecs
import TrtcHarness
import TrtcRTP

/// A room member that sends garbage: random VP8 and Opus payloads, and a key frame claiming 16383×16383. The server
/// forwards whatever has a valid RTP header, so trtcd's receiving side is where it must stop.
@Suite("trtcd media: a member sending garbage cannot hurt a receiving trtcd", .serialized)
struct MediaHostileSenderTests {
    @Test("garbage VP8 and Opus and an oversized key frame: trtcd keeps serving, memory stays bounded, exit is clean")
    func hostileSender() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.enter("alice", room: .numeric(14), server: room.server)

            try await RawMediaMember.with(room, userId: "mallory", roomId: 14, video: true, audio: true) { media, socket in
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("mallory"), .boolean(true)] }
                try await alice.waitFor("UserAudioAvailable") { $0 == [.string("mallory"), .boolean(true)] }
                // Her audio plays to the default sink: the stream exists (so that its removal below means something).
                #expect(try await room.pipeWire.waitForNode(named: "trtcd.remote.mallory.audio", present: true))
                let reply = try await alice.call("StartRemoteVideo", [.string("mallory"), .string("main")])
                #expect(reply.first?.uint32 != nil, "a node even though nothing decodable arrived (default size)")
                let baseline = Double(try ResidentMemory.of(room.daemons[0].process.pid).resident) / 1_048_576

                // A real key frame whose header is rewritten to claim 16383×16383 (the VP8 maximum).
                let encoder = try VP8Encoder(configuration: VP8EncoderConfiguration(width: 64, height: 64))
                var keyframe = try #require(try encoder.encode(try I420Frame(width: 64, height: 64, luma: 90)).first)
                keyframe.data.replaceSubrange(6..<10, with: [0xFF, 0x3F, 0xFF, 0x3F])
                var video = try VP8Packetizer(ssrc: media.videoSsrc, payloadType: RTPPayloadType.vp8)
                var generator = SystemRandomNumberGenerator()
                var sequence: UInt16 = 1
                for round in 0..<200 {
                    for packet in video.packetize(keyframe) { socket.send(packet.serialized()) }
                    // Random bytes behind valid RTP headers: VP8 on the video SSRC, Opus on the audio SSRC.
                    for (ssrc, payloadType) in [(media.videoSsrc, RTPPayloadType.vp8), (media.audioSsrc, RTPPayloadType.opus)] {
                        let payload = (0..<Int.random(in: 1...1100, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                        let packet = try RTPPacket(payloadType: payloadType, marker: Bool.random(using: &generator), sequenceNumber: sequence,
                                               timestamp: UInt32(round) * 3000, ssrc: ssrc, payload: payload)
                        socket.send(packet.serialized())
                    }
                    sequence &+= 1
                    if round % 20 == 0 { try await Task.sleep(for: .milliseconds(20)) }
                }
                try await Task.sleep(for: .milliseconds(500))

                #expect(room.daemons[0].process.isRunning)
                #expect(try await alice.property("State") == .string("in-room"), "still answering on D-Bus")
                let grown = Double(try ResidentMemory.of(room.daemons[0].process.pid).resident) / 1_048_576 - baseline
                #expect(grown < 64, "trtcd grew by \(grown) MiB (a 16383×16383 decoder would need gigabytes)")
                #expect(try room.pipeWire.nodeId(named: "trtcd.remote.mallory.main") != nil, "the node is still there")
                #expect(try room.pipeWire.nodeId(named: "trtcd.remote.mallory.audio") != nil, "the playback stream is still there")
            }
            try await alice.waitFor("RemoteUserLeaveRoom") { $0.first == .string("mallory") }
            #expect(try await room.pipeWire.waitForNode(named: "trtcd.remote.mallory.main", present: false))
            #expect(try await room.pipeWire.waitForNode(named: "trtcd.remote.mallory.audio", present: false))
            try await alice.exit()
            #expect(room.daemons[0].process.isRunning)
        }
    }
}
