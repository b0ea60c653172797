import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness

// The limit ends a test whose server, bus or call stops answering; polling loops have their own deadlines.
@Suite("trtcd: connection loss and recovery, bindToCaller, entering", .serialized, .timeLimit(.minutes(3)))
struct ReconnectTests {
    @Test("server restart: ConnectionLost → TryToReconnect → ConnectionRecovery, re-entered")
    func serverRestart() async throws {
        let bus = try await PrivateBus.start()
        let server = try await ServerProcess.start()
        let daemon = try await DaemonProcess.start(on: bus, server: server.url)
        let client = try await RoomClient.connect(bus)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.pump() }
            try await client.enter("phoenix", server: server)
            await server.stop()
            try await client.waitFor("ConnectionLost")
            #expect(try await client.property("State") == .string("reconnecting"))
            let restarted = try await ServerProcess.start(port: server.port, stateDir: server.stateDir)
            try await client.waitFor("ConnectionRecovery", timeout: .seconds(15))
            let order = client.roomSignals.map(\.member).filter { ["ConnectionLost", "TryToReconnect", "ConnectionRecovery"].contains($0) }
            #expect(order == ["ConnectionLost", "TryToReconnect", "ConnectionRecovery"])
            #expect(try await client.property("State") == .string("in-room"))
            // The new server knows the user again.
            #expect(try await restarted.health().users == 1)
            await restarted.stop()
            client.subscription.cancel()
            await client.connection.close()
            group.cancelAll()
        }
        await daemon.stop()
        await bus.stop()
    }

    @Test("bindToCaller: when the caller leaves the bus the daemon exits the room")
    func bindToCaller() async throws {
        try await withDaemonRoom(users: 2) { room in
            let watcher = room.clients[0]
            try await watcher.enter("watcher", server: room.server)
            // A short-lived app enters on the second daemon with bindToCaller, then disconnects.
            let app = try await RoomClient.connect(room.buses[1])
            try await app.enter("app-user", server: room.server, extra: ["bindToCaller": true])
            try await watcher.waitFor("RemoteUserEnterRoom") { $0 == [.string("app-user")] }
            await app.connection.close()
            try await watcher.waitFor("RemoteUserLeaveRoom") { $0 == [.string("app-user"), .int32(0)] }
            try await room.clients[1].waitFor("ExitRoom") { $0 == [.int32(0)] }
            // Without bindToCaller the room outlives the caller.
            let other = try await RoomClient.connect(room.buses[1])
            try await other.enter("stays", server: room.server)
            await other.connection.close()
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await room.clients[1].property("State") == .string("in-room"))
        }
    }

    @Test("EnterRoom while entering: AlreadyInRoom; ExitRoom while entering: Cancelled; unreachable server: ConnectFailed")
    func entering() async throws {
        // A TCP listener that accepts and never answers: entering hangs until cancelled.
        let silent = try SilentListener()
        try await withDaemonRoom(users: 1) { room in
            let client = room.clients[0]
            let sig = UserSig.generate(sdkAppId: room.server.sdkAppId, userId: "slow", secretKey: room.server.secretKey)
            let params: DBusValue = .variantDictionary([
                "sdkAppId": .uint32(room.server.sdkAppId), "userId": "slow", "userSig": .string(sig), "roomId": .uint32(3),
                "server": .string("ws://127.0.0.1:\(silent.port)")])
            try await withThrowingTaskGroup(of: DBusError?.self) { group in
                group.addTask {
                    do { try await client.call("EnterRoom", [params]); return nil } catch let error as DBusError { return error }
                }
                try await waitUntil("trtcd is entering", timeout: .seconds(10)) {
                    try await client.property("State") == .string("entering")
                }
                do {
                    try await client.call("EnterRoom", [params])
                    Issue.record("second EnterRoom accepted")
                } catch let error as DBusError {
                    #expect(error.name == "org.trtcd.Trtc1.Error.AlreadyInRoom")
                }
                try await client.exit()
                let cancelled = try await group.next() ?? nil
                #expect(cancelled?.name == "org.trtcd.Trtc1.Error.Cancelled")
                #expect(cancelled?.message.hasPrefix("[-1] ") == true)
            }
            try await client.waitFor("EnterRoom") { $0 == [.int64(-1)] }
            #expect(try await client.property("State") == .string("idle"))

            // Nobody listening: ConnectFailed with -3308, and EnterRoom(-3308).
            do {
                try await client.call("EnterRoom", [.variantDictionary([
                    "sdkAppId": .uint32(room.server.sdkAppId), "userId": "x", "userSig": .string(sig), "roomId": .uint32(3),
                    "server": "ws://127.0.0.1:1"])])
                Issue.record("entering through a closed port succeeded")
            } catch let error as DBusError {
                #expect(error.name == "org.trtcd.Trtc1.Error.ConnectFailed")
                #expect(error.message.hasPrefix("[-3308] "))
            }
            try await client.waitFor("EnterRoom") { $0 == [.int64(-3308)] }
        }
        silent.close()
    }
}
