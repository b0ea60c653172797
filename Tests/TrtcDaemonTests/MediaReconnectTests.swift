import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcCodecs
import TrtcHarness
import TrtcHarnessTesting
import TrtcRTP

@Suite("trtcd media: after a reconnect the new grant is bound and publishing resumes with a key frame", .serialized)
struct MediaReconnectTests {
    @Test("server restart while publishing: a new media connection (checks, DTLS) with the new grant; the new server records decodable VP8")
    func reconnectsMediaAfterRestart() async throws {
        let pipeWire = try PipeWireTestEnvironment.start()
        defer { pipeWire.stop() }
        let firstRecord = try BuiltProducts.temporaryDirectory("trtc-record-1")
        let secondRecord = try BuiltProducts.temporaryDirectory("trtc-record-2")
        defer {
            try? FileManager.default.removeItem(at: firstRecord)
            try? FileManager.default.removeItem(at: secondRecord)
        }
        let bus = try await PrivateBus.start()
        let server = try await ServerProcess.start(extraArguments: ["--record", firstRecord.path])
        let daemon = try await DaemonProcess.start(on: bus, server: server.url, environment: pipeWire.exports)
        let client = try await RoomClient.connect(bus)
        var restarted: ServerProcess?
        let outcome: Result<Void, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await client.pump() }
            defer { client.subscription.cancel() }
            do {
                try await client.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120),
                                             "fps": .uint32(15)])
                try await client.enter("phoenix", room: .numeric(3), server: server)
                let first = MediaRoom(pipeWire: pipeWire, server: server, recordDirectory: firstRecord, buses: [], daemons: [], clients: [])
                try await Self.waitForFrames(first, user: "phoenix", count: 5)
                await server.stop()
                try await client.waitFor("ConnectionLost")
                let again = try await ServerProcess.start(port: server.port, stateDir: server.stateDir,
                                                          extraArguments: ["--record", secondRecord.path])
                restarted = again
                try await client.waitFor("ConnectionRecovery", timeout: .seconds(15))
                #expect(try await client.property("LocalVideo") == .boolean(true))
                let second = MediaRoom(pipeWire: pipeWire, server: again, recordDirectory: secondRecord, buses: [], daemons: [], clients: [])
                try await Self.waitForFrames(second, user: "phoenix", count: 5)
                // The new session's stream starts with a key frame and decodes.
                let video = try #require(try second.recorded(user: "phoenix", payloadType: RTPPayloadType.vp8))
                var depacketizer = VP8Depacketizer()
                let decoder = try VP8Decoder()
                var frames: [ReassembledVP8Frame] = []
                for packet in video.packets { frames += try depacketizer.insert(packet) }
                #expect(frames.first?.isKeyframe == true)
                var decoded = 0
                for frame in frames where try decoder.decode(frame.data) != nil { decoded += 1 }
                #expect(decoded >= 5)
                #expect(try await second.metric("trtc_media_dtls_handshakes_total") ?? 0 >= 1, "a new DTLS handshake with the new server")
                try await client.exit()
                #expect(try pipeWire.residue().isEmpty)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        await client.connection.close()
        await restarted?.stop()
        await daemon.stop()
        await bus.stop()
        try outcome.get()
    }

    static func waitForFrames(_ room: MediaRoom, user: String, count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if (try room.recorded(user: user, payloadType: RTPPayloadType.vp8)?.packets.filter(\.marker).count ?? 0) >= count { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("fewer than \(count) VP8 frames of \(user) recorded in \(room.recordDirectory.path)")
    }
}
