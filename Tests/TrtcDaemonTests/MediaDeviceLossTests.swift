import Foundation
import Testing
import TrtcHarness
import TrtcCore
import TrtcDBus
import TrtcHarnessTesting

@Suite("trtcd media: a microphone unplugged, PipeWire dying and coming back", .serialized)
struct MediaDeviceLossTests {
    /// A device that can be unplugged: a lingering node `name` made with pw-cli (`factory`, `properties`); its id.
    static func plugIn(_ room: MediaRoom, _ name: String, factory: String, _ properties: String) throws -> Int {
        let created = try room.pipeWire.run("pw-cli", ["create-node", factory, "{ \(properties) node.name=\(name) object.linger=true }"])
        try #require(created.status == 0, "pw-cli create-node: \(created.stderr)")
        return try #require(try room.pipeWire.nodeId(named: name))
    }

    @Test("the microphone unplugged while publishing: LocalAudio false, the others see UserAudioAvailable false, nothing left")
    func microphoneUnplugged() async throws {
        try await withMediaRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            let name = "trtc-test-unplug-microphone"
            let nodeId = try Self.plugIn(room, name, factory: "adapter",
                                         "factory.name=audiotestsrc media.class=Audio/Source audio.rate=48000 audio.channels=1 audio.position=[ MONO ]")
            try await bob.enter("bob", room: .numeric(51), server: room.server)
            try await alice.startAudio(["microphone": .string(name)])
            try await alice.enter("alice", room: .numeric(51), server: room.server)
            try await bob.waitFor("UserAudioAvailable") { $0 == [.string("alice"), .boolean(true)] }
            #expect(try room.pipeWire.residue().streamNodes.count == 1)

            bob.clear()
            try room.pipeWire.run("pw-cli", ["destroy", String(nodeId)])
            try await bob.waitFor("UserAudioAvailable") { $0 == [.string("alice"), .boolean(false)] }
            #expect(try await alice.property("LocalAudio") == .boolean(false))
            #expect(try await alice.property("State") == .string("in-room"))
            let residue = try room.pipeWire.residue()
            #expect(residue.isEmpty, "\(residue)")
            // Alice is still in the room for bob, only without audio.
            #expect(try await bob.property("RemoteUsers") == .stringArray(["alice"]))
            #expect(!bob.roomSignals.contains { $0.member == "RemoteUserLeaveRoom" })
            // A microphone that exists can be started again.
            try await alice.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName)])
            try await bob.waitFor("UserAudioAvailable") { $0 == [.string("alice"), .boolean(true)] }
            #expect(try await alice.property("LocalAudio") == .boolean(true))
        }
    }

    @Test("PipeWire dies while trtcd publishes and plays: capture ends as if unplugged, trtcd stays; PipeWire back: capture and playback work again")
    func pipeWireRestart() async throws {
        try await withMediaRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            try await bob.enter("bob", room: .numeric(52), server: room.server)
            try await alice.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120)])
            try await alice.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName)])
            try await alice.enter("alice", room: .numeric(52), server: room.server)
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
            try await bob.waitFor("UserAudioAvailable") { $0 == [.string("alice"), .boolean(true)] }
            // Bob's trtcd plays alice's audio: a playback stream in the same PipeWire.
            #expect(try await room.pipeWire.waitForNode(named: "trtcd.remote.alice.audio", present: true))

            bob.clear()
            let pid = try #require(room.pipeWire.exports["PIPEWIRE_TEST_PIPEWIRE_PID"].flatMap { pid_t($0) })
            #expect(kill(pid, SIGKILL) == 0)
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(false)] }
            try await bob.waitFor("UserAudioAvailable") { $0 == [.string("alice"), .boolean(false)] }
            #expect(try await alice.property("LocalVideo") == .boolean(false))
            #expect(try await alice.property("LocalAudio") == .boolean(false))
            #expect(try await alice.property("State") == .string("in-room"))
            // Without PipeWire, opening a device is a clear DeviceUnavailable, not a hang or a crash.
            let unreachable = await alice.failure("StartLocalVideo", [.variantDictionary(["camera": .string(PipeWireTestEnvironment.cameraName)])])
            #expect(unreachable?.name == "org.trtcd.Trtc1.Error.DeviceUnavailable" && unreachable?.message.hasPrefix("[-1301] ") == true,
                    "\(String(describing: unreachable))")
            #expect(room.daemons.allSatisfy { $0.process.isRunning })

            // PipeWire comes back at the same socket (and WirePlumber with it).
            let stopped = try CommandRun.runBlocking(PipeWireTestEnvironment.scriptPath, ["stop", room.pipeWire.directory], environment: ProcessInfo.processInfo.environment)
            try #require(stopped.status == 0, "pipewire-test-env stop: \(stopped.stderr)")
            let started = try CommandRun.runBlocking(PipeWireTestEnvironment.scriptPath, ["start", room.pipeWire.directory], environment: ProcessInfo.processInfo.environment)
            try #require(started.status == 0, "pipewire-test-env start: \(started.stderr)")

            // Both daemons reconnect when next asked: alice captures and publishes again, bob plays her audio again.
            try await alice.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120)])
            try await alice.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName)])
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
            try await bob.waitFor("UserAudioAvailable") { $0 == [.string("alice"), .boolean(true)] }
            #expect(try room.pipeWire.residue().streamNodes.count == 2)
            #expect(try await room.pipeWire.waitForNode(named: "trtcd.remote.alice.audio", present: true))
            let node = try #require(try await bob.call("StartRemoteVideo", [.string("alice"), .string("main")]).first?.uint32)
            #expect(try room.pipeWire.nodeId(named: "trtcd.remote.alice.main") == Int(node))

            try await alice.exit()
            let residue = try room.pipeWire.residue()
            #expect(residue.isEmpty, "\(residue)")
        }
    }
}
