import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness

@Suite("trtcd remote audio: another user's voice plays on the default sink unless muted", .serialized)
struct MediaRemoteAudioTests {
    static let speaker = "trtc-test-speaker"

    @Test("bob's 440 Hz microphone is heard on alice's default sink; MuteRemoteAudio, bob leaving and ExitRoom stop it")
    func remoteAudioPlays() async throws {
        try await withMediaRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            let node = "trtcd.remote.bob.audio"
            try await bob.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName), "bitrate": .uint32(32)])
            try await bob.enter("bob", room: .numeric(13), server: room.server)
            try await alice.enter("alice", room: .numeric(13), server: room.server)
            try await alice.waitFor("UserAudioAvailable") { $0 == [.string("bob"), .boolean(true)] }
            #expect(try await room.pipeWire.waitForNode(named: node, present: true), "alice's trtcd plays bob without being asked")

            // What the speaker plays, from its monitor: bob's tone, decoded by alice's trtcd.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-remote-audio-\(getpid()).wav")
            defer { try? FileManager.default.removeItem(at: file) }
            let record = try room.pipeWire.run("timeout", [
                "-s", "INT", "2", "pw-record", "--target", Self.speaker, "-P", "{ stream.capture.sink = true }",
                "--rate", "48000", "--channels", "1", "--format", "f32", file.path,
            ])
            #expect(record.status == 0 || record.status == 124, "pw-record: \(record.stderr)")
            let heard = try WAVFile.floatSamples(file).drop { abs($0) < 0.01 }
            #expect(heard.count > 24_000, "half a second of sound on the speaker (\(heard.count) samples)")
            let frequency = MediaPublishTests.dominantFrequency(Array(heard.prefix(24_000)), sampleRate: 48_000)
            #expect(abs(frequency - PipeWireTestEnvironment.microphoneFrequency) <= 5, "heard \(frequency) Hz")

            // Muting removes the stream; unmuting brings it back; bad input is refused.
            try await alice.call("MuteRemoteAudio", [.string("bob"), .boolean(true)])
            #expect(try await room.pipeWire.waitForNode(named: node, present: false))
            try await alice.call("MuteRemoteAudio", [.string("bob"), .boolean(false)])
            #expect(try await room.pipeWire.waitForNode(named: node, present: true))
            #expect(await alice.failure("MuteRemoteAudio", [.string("no such user!"), .boolean(true)])?.name == "org.trtcd.Trtc1.Error.InvalidArgument")

            // Bob leaving takes his stream with him; ExitRoom leaves nothing of alice's trtcd in PipeWire.
            try await bob.exit()
            try await alice.waitFor("RemoteUserLeaveRoom") { $0.first == .string("bob") }
            #expect(try await room.pipeWire.waitForNode(named: node, present: false))
            alice.clear()
            try await bob.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName)])  // the exit closed it
            try await bob.enter("bob", room: .numeric(13), server: room.server)
            try await alice.waitFor("UserAudioAvailable") { $0 == [.string("bob"), .boolean(true)] }
            #expect(try await room.pipeWire.waitForNode(named: node, present: true))
            try await alice.exit()
            #expect(try room.pipeWire.nodeId(named: node) == nil, "gone when ExitRoom returns")
        }
    }
}
