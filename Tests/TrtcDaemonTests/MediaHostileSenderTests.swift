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

    @Test("a member flooding valid 1080p key frames and audio packets: trtcd stays under half a core and +64 MiB, and keeps serving")
    func floodingMember() async throws {
        // The server's own per-member limits are off: trtcd must bound what a member costs it by itself (a server of
        // another make, or a member within the server's limits sending what decodes expensively). Mallory sends no
        // heartbeats: the departure timeout is longer than the test.
        try await withMediaRoom(users: 1, serverArguments: ["--member-rtp-rate", "0", "--member-bitrate", "0", "--departure-timeout", "30"]) { room in
            let alice = room.clients[0]
            try await alice.enter("alice", room: .numeric(15), server: room.server)
            try await RawMediaMember.with(room, userId: "mallory", roomId: 15, video: true, audio: true) { media, socket in
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("mallory"), .boolean(true)] }
                #expect(try await room.pipeWire.waitForNode(named: "trtcd.remote.mallory.audio", present: true))
                _ = try await alice.call("StartRemoteVideo", [.string("mallory"), .string("main")])
                let pid = room.daemons[0].process.pid
                let baseline = Double(try ResidentMemory.of(pid).resident) / 1_048_576

                // Real 1080p key frames, each valid on its own, ~40 a second: decoding all of them would take most of a
                // core.
                let encoder = try VP8Encoder(configuration: VP8EncoderConfiguration(width: 1920, height: 1080, framesPerSecond: 30, bitrateKbps: 4000))
                let keyframe = try #require(try encoder.encode(try I420Frame(width: 1920, height: 1080, luma: 120), forceKeyframe: true).first)
                #expect(keyframe.isKeyframe)
                var video = try VP8Packetizer(ssrc: media.videoSsrc, payloadType: RTPPayloadType.vp8)
                let cpuBefore = try ProcessCPU.seconds(of: pid)
                let started = ContinuousClock.now
                // 1. 1080p key frames at ~40 a second: 83 Mpx/s, counted twice as key frames: 2.7 times the decoding
                // budget (1080p30).
                var keyframesSent = 0
                while ContinuousClock.now - started < .seconds(3) {
                    for packet in video.packetize(keyframe.data, rtpTimestamp: UInt32(keyframesSent) &* 3000) { socket.send(packet.serialized()) }
                    keyframesSent += 1
                    try await Task.sleep(for: .milliseconds(25))
                }
                let keyframeSeconds = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
                let keyframeCPU = (try ProcessCPU.seconds(of: pid) - cpuBefore) / keyframeSeconds
                // 2. Packets as fast as this socket sends them: audio (within its SSRC, random Opus) and video.
                var audioSequence: UInt16 = 1
                var packetsSent = 0
                let flooding = ContinuousClock.now
                while ContinuousClock.now - flooding < .seconds(2) {
                    let payload = [0xF8] + (0..<60).map { _ in UInt8.random(in: 0...255) }
                    let packet = try RTPPacket(payloadType: RTPPayloadType.opus, marker: false, sequenceNumber: audioSequence,
                                               timestamp: UInt32(audioSequence) &* 960, ssrc: media.audioSsrc, payload: payload)
                    socket.send(packet.serialized())
                    for packet in video.packetize(Array(payload.prefix(40)), rtpTimestamp: UInt32(audioSequence) &* 3000) { socket.send(packet.serialized()) }
                    audioSequence &+= 1
                    packetsSent += 2
                    if packetsSent % 100 == 0 { try await Task.sleep(for: .milliseconds(1)) }
                }
                let elapsed = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
                try await Task.sleep(for: .milliseconds(500))
                let cpu = (try ProcessCPU.seconds(of: pid) - cpuBefore) / (elapsed + 0.5)
                let grown = Double(try ResidentMemory.of(pid).resident) / 1_048_576 - baseline
                print("flood: \(keyframesSent) 1080p key frames in \(keyframeSeconds) s, then \(packetsSent) packets in \(elapsed - keyframeSeconds) s; trtcd CPU \(Int(cpu * 100)) % of a core (\(Int(keyframeCPU * 100)) % during the key frames), RSS +\(Int(grown)) MiB")
                #expect(Double(keyframesSent) / keyframeSeconds > 20, "the key frames must exceed the decoding budget (15 1080p key frames/s)")
                #expect(cpu < 0.5, "trtcd used \(cpu * 100) % of a core")
                #expect(grown < 64, "trtcd grew by \(grown) MiB")
                #expect(try await alice.property("State") == .string("in-room"), "still answering on D-Bus")
                #expect(try room.pipeWire.nodeId(named: "trtcd.remote.mallory.main") != nil)
            }
            try await alice.waitFor("RemoteUserLeaveRoom") { $0.first == .string("mallory") }
            // The decoding budget is what stopped the flood (its warning, at most one per 100 frames dropped).
            try await room.daemons[0].process.waitForError(containing: "frames dropped before decoding")
            try await alice.exit()
            #expect(room.daemons[0].process.isRunning)
        }
    }
}
