import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcDBus
import TrtcHarness

private func names(_ signals: [RoomClient.Signal]) -> [String] { signals.map(\.member) }

@Suite("trtcd: entering, exiting and every forced exit, through D-Bus with real processes", .serialized)
struct RoomExitTests {
    @Test("enter and exit: signal order, properties, the others told")
    func enterAndExit() async throws {
        try await withDaemonRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            try await alice.enter("alice", server: room.server)
            let entered = try await alice.waitFor("EnterRoom")
            #expect((entered.arguments.first?.int64 ?? 0) > 0)
            #expect(try await alice.property("State") == .string("in-room"))
            #expect(try await alice.property("RoomId") == .string("1"))
            #expect(try await alice.property("UserId") == .string("alice"))

            try await bob.enter("bob", server: room.server)
            try await alice.waitFor("RemoteUserEnterRoom") { $0 == [.string("bob")] }
            // RoomClient records signals in its own task, which may not have run yet when a call returns: wait for it.
            // (That a signal precedes its method's reply on the bus is checked in arrival order by the dbus-fast suite.)
            try await bob.waitFor("RemoteUserEnterRoom") { $0 == [.string("alice")] }
            #expect(names(bob.roomSignals) == ["EnterRoom", "RemoteUserEnterRoom"])
            #expect(try await bob.property("RemoteUsers") == .stringArray(["alice"]))

            // ExitRoom: the server is told (alice sees bob leave, reason 0), then ExitRoom(0), then the reply.
            try await bob.exit()
            try await bob.waitFor("ExitRoom") { $0 == [.int32(0)] }
            #expect(bob.roomSignals.last == RoomClient.Signal(member: "ExitRoom", arguments: [.int32(0)]))
            try await alice.waitFor("RemoteUserLeaveRoom") { $0 == [.string("bob"), .int32(0)] }
            #expect(try await bob.property("State") == .string("idle"))
            #expect(try await bob.property("RoomId") == .string(""))
            #expect(try await alice.property("RemoteUsers") == .stringArray([]))

            // Not in a room: ExitRoom replies at once and emits nothing. Ready to enter again: trtcd emits in the order
            // it decides, so the next signal after the idle ExitRoom is the new entry's (a signal of the idle call
            // would come before it).
            let count = bob.roomSignals.count
            try await bob.exit()
            try await bob.enter("bob", server: room.server)
            try await bob.waitFor("EnterRoom") { _ in bob.roomSignals.count > count }
            #expect(bob.roomSignals.dropFirst(count).first?.member == "EnterRoom", "\(bob.roomSignals)")
            try await alice.waitFor("RemoteUserEnterRoom") { _ in alice.roomSignals.filter { $0.member == "RemoteUserEnterRoom" }.count == 2 }
        }
    }

    @Test("RemoveUser: ExitRoom(1) at the removed user, RemoteUserLeaveRoom(u, 2) at the others, no reconnect")
    func removedByAPI() async throws {
        try await withDaemonRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            try await alice.enter("alice", room: .numeric(77), server: room.server)
            try await bob.enter("bob", room: .numeric(77), server: room.server)
            let api = try ServerAPIClient(endpoint: room.server.endpoint, secretId: room.server.secretId, secretKey: room.server.apiSecretKey,
                                          trust: room.server.trust)
            let outcome = try await api.call("RemoveUser", .object([
                "SdkAppId": .integer(Int64(room.server.sdkAppId)), "RoomId": .integer(77), "UserIds": .array([.string("bob")])]))
            #expect(outcome == .success(requestId: outcome.requestId))
            try await bob.waitFor("ExitRoom") { $0 == [.int32(1)] }
            try await alice.waitFor("RemoteUserLeaveRoom") { $0 == [.string("bob"), .int32(2)] }
            #expect(try await bob.property("State") == .string("idle"))
            try await expectNoReconnect(bob, at: room.server, connections: 1)
            #expect(bob.roomSignals.filter { $0.member == "ExitRoom" }.count == 1)
            // Idle and ready: enter again.
            try await bob.enter("bob", room: .numeric(77), server: room.server)
            #expect(try await bob.property("State") == .string("in-room"))
        }
    }

    @Test("DismissRoom: ExitRoom(2) at every member, no reconnect")
    func dismissed() async throws {
        try await withDaemonRoom(users: 2) { room in
            for (index, client) in room.clients.enumerated() {
                try await client.enter("user\(index)", room: .string("meeting-1"), server: room.server)
            }
            let api = try ServerAPIClient(endpoint: room.server.endpoint, secretId: room.server.secretId, secretKey: room.server.apiSecretKey,
                                          trust: room.server.trust)
            let outcome = try await api.call("DismissRoomByStrRoomId", .object([
                "SdkAppId": .integer(Int64(room.server.sdkAppId)), "RoomId": .string("meeting-1")]))
            #expect(outcome.requestId.count == 36)
            for client in room.clients {
                try await client.waitFor("ExitRoom") { $0 == [.int32(2)] }
                let state = try await client.property("State")
                #expect(state == .string("idle"), "signals: \(client.signals)")
            }
            // The room is gone and nobody comes back: no reconnect, no new connection or entry at the server.
            try await expectNoReconnect(room.clients[0], room.clients[1], at: room.server, connections: 0)
        }
    }

    @Test("the same userId entering again: ExitRoom(3) at the earlier daemon only, which does not reconnect; the others see no leave")
    func duplicateUser() async throws {
        try await withDaemonRoom(users: 3) { room in
            let (first, other, second) = (room.clients[0], room.clients[1], room.clients[2])
            try await first.enter("same", server: room.server)
            try await other.enter("watcher", server: room.server)
            try await second.enter("same", server: room.server)
            try await first.waitFor("ExitRoom") { $0 == [.int32(3)] }
            // The displaced daemon does not come back (it would displace the second one in turn).
            try await expectNoReconnect(first, at: room.server, connections: 2)
            #expect(!names(second.roomSignals).contains("ExitRoom"))
            #expect(names(other.roomSignals) == ["EnterRoom", "RemoteUserEnterRoom"])
            #expect(try await first.property("State") == .string("idle"))
            #expect(try await second.property("State") == .string("in-room"))
        }
    }

    @Test("kill -9 of a daemon: the others see RemoteUserLeaveRoom(u, 1), the departure timeout's reason")
    func killedDaemon() async throws {
        try await withDaemonRoom(users: 2, departureTimeout: 1.5) { room in
            try await room.clients[0].enter("stays", server: room.server)
            try await room.clients[1].enter("dies", server: room.server)
            try await room.clients[0].waitFor("RemoteUserEnterRoom")
            room.daemons[1].process.signal(SIGKILL)
            // Reason 1 (timed out / connection lost) says the departure timeout removed it; the generous wait only
            // catches a removal that never comes.
            try await room.clients[0].waitFor("RemoteUserLeaveRoom", timeout: .seconds(20)) { $0 == [.string("dies"), .int32(1)] }
            #expect(room.clients[0].roomSignals.filter { $0.member == "RemoteUserLeaveRoom" }.count == 1)
            #expect(try await room.clients[0].property("RemoteUsers") == .stringArray([]))
        }
    }

    @Test("SIGTERM while in a room exits it cleanly first")
    func sigterm() async throws {
        try await withDaemonRoom(users: 2) { room in
            try await room.clients[0].enter("a", server: room.server)
            try await room.clients[1].enter("b", server: room.server)
            room.daemons[1].process.signal(SIGTERM)
            try await room.clients[0].waitFor("RemoteUserLeaveRoom") { $0 == [.string("b"), .int32(0)] }
            #expect(try await room.daemons[1].process.waitForExit() == 0)
        }
    }
}

/// After a forced exit (reasons 1-3), trtcd must not reconnect (docs/spec.md, ExitRoom signal). Waits until the
/// server has `connections` signaling connections left (the exited daemons' closed), then watches for one second,
/// which spans the first attempts of the documented reconnect schedule (100 ms, then backing off): none of
/// `clients` reports ConnectionLost/TryToReconnect, and the server sees no new entry and no new connection.
private func expectNoReconnect(_ clients: RoomClient..., at server: ServerProcess, connections: Double,
                               sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while try await server.metricValue("trtc_signaling_connections") != connections {
        if ContinuousClock.now >= deadline {
            Issue.record("the server still has \(try await server.metricValue("trtc_signaling_connections") ?? -1) connections, not \(connections)",
                         sourceLocation: sourceLocation)
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    let joins = try await server.metricValue("trtc_joins_total")
    try await Task.sleep(for: .seconds(1))
    #expect(try await server.metricValue("trtc_joins_total") == joins, "a new entry at the server", sourceLocation: sourceLocation)
    #expect(try await server.metricValue("trtc_signaling_connections") == connections, "a new connection at the server",
            sourceLocation: sourceLocation)
    for client in clients {
        let reconnecting = client.roomSignals.filter { ["ConnectionLost", "TryToReconnect", "ConnectionRecovery"].contains($0.member) }
        #expect(reconnecting.isEmpty, "\(reconnecting)", sourceLocation: sourceLocation)
        #expect(try await client.property("State") == .string("idle"), sourceLocation: sourceLocation)
    }
}

extension ServerAPIClient.Outcome {
    var requestId: String {
        switch self {
        case .success(let id): id
        case .failure(_, _, let id): id
        }
    }
}
