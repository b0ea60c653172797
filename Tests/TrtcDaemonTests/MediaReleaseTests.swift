import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcDBus
import TrtcHarness

@Suite("trtcd media: every way out of a room releases camera and microphone in PipeWire", .serialized)
struct MediaReleaseTests {
    private static let capture: [String: DBusValue] = [
        "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120), "fps": .uint32(10),
    ]

    @Test("ExitRoom and forced exits 1 (RemoveUser), 2 (DismissRoom), 3 (same userId), and SIGTERM: PipeWire removes the capture streams before ExitRoom(reason) arrives")
    func forcedExits() async throws {
        try await withMediaRoom(users: 3) { room in
            let (alice, bob, other) = (room.clients[0], room.clients[1], room.clients[2])
            let api = try ServerAPIClient(endpoint: room.server.endpoint, secretId: room.server.secretId, secretKey: room.server.apiSecretKey,
                                          trust: room.server.trust)
            let app = Int64(room.server.sdkAppId)

            /// Alice publishes camera and microphone in `roomId`; bob sees it. Returns the watch on alice's exit.
            func publish(in roomId: UInt32) async throws -> ReleaseOrder {
                alice.clear()
                bob.clear()
                try await alice.startVideo(Self.capture)
                try await alice.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName)])
                try await alice.enter("alice", room: .numeric(roomId), server: room.server)
                try await bob.enter("bob", room: .numeric(roomId), server: room.server)
                try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
                let residue = try room.pipeWire.residue()
                #expect(residue.streamNodes.count == 2, "\(residue)")
                return try await ReleaseOrder.watch(room, member: 0, captureStreams: 2)
            }
            func expectReleased(_ reason: Int32, _ order: ReleaseOrder) async throws {
                defer { order.stop() }
                try await order.expectReleasedBeforeExitRoom(reason, in: room.pipeWire)
                let residue = try room.pipeWire.residue()
                #expect(residue.isEmpty, "after ExitRoom(\(reason)): \(residue)")
                #expect(try await alice.property("LocalVideo") == .boolean(false))
                #expect(try await alice.property("LocalAudio") == .boolean(false))
                try await bob.exit()
            }

            // ExitRoom called: its reply comes after the signal, while trtcd is stopped at the signal; awaited after.
            var order = try await publish(in: 30)
            async let exited: Void = alice.exit()
            try await expectReleased(0, order)
            try await exited

            order = try await publish(in: 31)
            _ = try await api.call("RemoveUser", .object(["SdkAppId": .integer(app), "RoomId": .integer(31), "UserIds": .array([.string("alice")])]))
            try await expectReleased(1, order)

            order = try await publish(in: 32)
            _ = try await api.call("DismissRoom", .object(["SdkAppId": .integer(app), "RoomId": .integer(32)]))
            try await expectReleased(2, order)

            order = try await publish(in: 33)
            try await other.enter("alice", room: .numeric(33), server: room.server)
            try await expectReleased(3, order)
            try await other.exit()

            // SIGTERM while publishing: trtcd exits the room as ExitRoom does (ExitRoom(0)) and has released camera
            // and microphone when it says so, while it still runs (it is stopped at the signal, so PipeWire cannot
            // clean up after an exited process before the check).
            order = try await publish(in: 34)
            room.daemons[0].process.signal(SIGTERM)
            defer { order.stop() }
            try await order.expectReleasedBeforeExitRoom(0, in: room.pipeWire)
            #expect(try await room.daemons[0].process.waitForExit() == 0)
            try await bob.waitFor("RemoteUserLeaveRoom") { $0 == [.string("alice"), .int32(0)] }
            let residue = try room.pipeWire.residue()
            #expect(residue.isEmpty, "after SIGTERM: \(residue)")
        }
    }

    @Test("the camera unplugged while publishing: LocalVideo false, the others see UserVideoAvailable false, nothing left")
    func cameraUnplugged() async throws {
        try await withMediaRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            let name = "trtc-test-unplug-camera"
            let nodeId = try MediaDeviceLossTests.plugIn(room, name, factory: "spa-node-factory", "factory.name=videotestsrc media.class=Video/Source")
            try await bob.enter("bob", room: .numeric(41), server: room.server)
            try await alice.startVideo(["camera": .string(name), "width": .uint32(160), "height": .uint32(120)])
            try await alice.enter("alice", room: .numeric(41), server: room.server)
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }

            bob.clear()
            try room.pipeWire.run("pw-cli", ["destroy", String(nodeId)])
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(false)] }
            #expect(try await alice.property("LocalVideo") == .boolean(false))
            #expect(try await alice.property("State") == .string("in-room"))
            let residue = try room.pipeWire.residue()
            #expect(residue.isEmpty, "\(residue)")
            // A camera that exists again can be started again.
            try await alice.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120)])
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
        }
    }

    @Test("capture opened outside a room is closed by StopLocalVideo/StopLocalAudio")
    func stopOutsideRoom() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo(Self.capture)
            try await alice.startAudio([:])  // the default microphone
            #expect(try room.pipeWire.residue().streamNodes.count == 2)
            try await alice.call("StopLocalVideo")
            try await alice.call("StopLocalAudio")
            let residue = try room.pipeWire.residue()
            #expect(residue.isEmpty, "\(residue)")
            #expect(try await alice.property("LocalVideo") == .boolean(false))
        }
    }
}
