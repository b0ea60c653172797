import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness

/// Real trtcds against several trtc-server nodes sharing one PostgreSQL (docs/cluster.md).
@Suite("trtcd in a cluster: redirects followed, a lost owner recovered", .serialized, .timeLimit(.minutes(4)))
struct ClusterDaemonTests {
    @Test("entries through two nodes: the one at the non-owner follows the redirect; one EnterRoom each; they see each other")
    func redirectFollowed() async throws {
        let cluster = try await TestCluster.start(nodes: 2)
        try await withClusterDaemons(cluster, servers: cluster.nodes.map(\.url)) { clients in
            try await clients[0].enter("alice", room: .numeric(9), server: cluster.nodes[0])
            try await clients[1].enter("bob", room: .numeric(9), server: cluster.nodes[1])
            try await clients[0].waitFor("RemoteUserEnterRoom") { $0 == [.string("bob")] }
            try await clients[1].waitFor("RemoteUserEnterRoom") { $0 == [.string("alice")] }
            for client in clients {
                #expect(client.roomSignals.filter { $0.member == "EnterRoom" }.count == 1)
                guard case .int64(let elapsed)? = client.roomSignals.first(where: { $0.member == "EnterRoom" })?.arguments.first?.unwrappedVariant else {
                    Issue.record("no EnterRoom result")
                    continue
                }
                #expect(elapsed > 0)
            }
            let rows = try await cluster.roomRows()
            #expect(rows.count == 1)
            // Both members are on the owner; the other node has no room.
            let owner = try #require(rows.first.flatMap { cluster.node($0.2) })
            #expect(try await owner.health().users == 2)
            #expect(try await cluster.nodes.first { $0.port != owner.port }!.health().rooms == 0)
        }
        await cluster.stop()
    }

    @Test("the owner killed: both trtcds reconnect (ConnectionLost → TryToReconnect → ConnectionRecovery) to the room, placed anew")
    func ownerLost() async throws {
        let cluster = try await TestCluster.start(nodes: 3)
        // Each trtcd enters through a node; the room's owner is one of three, so kill whichever it is: every trtcd
        // whose entry node survives reconnects through it.
        let entries = [cluster.nodes[0], cluster.nodes[1]]
        try await withClusterDaemons(cluster, servers: entries.map(\.url)) { clients in
            try await clients[0].enter("carol", room: .numeric(21), server: entries[0])
            try await clients[1].enter("dave", room: .numeric(21), server: entries[1])
            try await clients[0].waitFor("RemoteUserEnterRoom") { $0 == [.string("dave")] }
            let ownerId = try #require(try await cluster.roomRows().first?.2)
            let owner = try #require(cluster.node(ownerId))
            // Only trtcds whose own entry node survives can come back (trtcd knows one server).
            let survivors = clients.indices.filter { entries[$0].port != owner.port }
            owner.process.signal(SIGKILL)
            let started = ContinuousClock.now
            for index in survivors {
                try await clients[index].waitFor("ConnectionLost")
                try await clients[index].waitFor("ConnectionRecovery", timeout: .seconds(cluster.leaseTTL + 15))
                #expect(try await clients[index].property("State") == .string("in-room"))
            }
            let recovered = ContinuousClock.now - started
            #expect(recovered < .seconds(cluster.leaseTTL + 10), "recovered in \(recovered)")
            let rows = try await cluster.roomRows()
            #expect(rows.count == 1 && rows.first?.2 != ownerId, "\(rows)")
            let newOwner = try #require(rows.first.flatMap { cluster.node($0.2) })
            try await waitUntil("the survivors are members on the new owner", timeout: .seconds(10)) {
                try await newOwner.health().users == survivors.count
            }
        }
        await cluster.stop()
    }
}

/// One private bus, trtcd and D-Bus client per entry server.
private func withClusterDaemons<T: Sendable>(_ cluster: TestCluster, servers: [String],
                                             _ body: @escaping @Sendable ([RoomClient]) async throws -> T) async throws -> T {
    var buses: [PrivateBus] = []
    var daemons: [DaemonProcess] = []
    var clients: [RoomClient] = []
    do {
        for server in servers {
            let bus = try await PrivateBus.start()
            buses.append(bus)
            daemons.append(try await DaemonProcess.start(on: bus, server: server))
            clients.append(try await RoomClient.connect(bus))
        }
    } catch {
        for daemon in daemons { await daemon.stop() }
        for bus in buses { await bus.stop() }
        throw error
    }
    let result: Result<T, any Error> = await withTaskGroup(of: Void.self) { group in
        for client in clients { group.addTask { await client.pump() } }
        let result: Result<T, any Error>
        do { result = .success(try await body(clients)) } catch { result = .failure(error) }
        for client in clients { client.subscription.cancel() }
        for client in clients { await client.connection.close() }
        return result
    }
    for daemon in daemons { await daemon.stop() }
    for bus in buses { await bus.stop() }
    return try result.get()
}
