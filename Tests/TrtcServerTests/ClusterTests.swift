import Foundation
import Logging
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting

/// Several trtc-server processes on loopback in cluster mode, one real PostgreSQL (started as an unprivileged user).
@Suite("trtc-server cluster: nodes coordinated through PostgreSQL", .serialized, .timeLimit(.minutes(4)))
struct ClusterTests {
    static let sdkScript = TencentSDKTests.script

    @Test("concurrent first entries of one room at 3 nodes: one owner; the others are redirected to it and all meet there")
    func concurrentFirstEntry() async throws {
        let cluster = try await TestCluster.start(nodes: 3)
        try await withConnections(cluster.nodes.map(\.url)) { clients in
            for (index, client) in clients.enumerated() {
                client.send(.enter(enterRequest(cluster, "u\(index)", room: .numeric(77), seq: 1)))
            }
            var owners: Set<String> = []
            var redirected: [Int] = []
            for (index, client) in clients.enumerated() {
                switch try await client.next() {
                case .entered:
                    owners.insert(try #require(cluster.nodeId(port: cluster.nodes[index].port)))
                case .redirect(let seq, let url, let node):
                    #expect(seq == 1)
                    owners.insert(node)
                    #expect(url == cluster.node(node)?.url)
                    redirected.append(index)
                    try await client.waitClosed()
                case let other:
                    Issue.record("enter answered \(other)")
                }
            }
            #expect(owners.count == 1, "owners: \(owners)")
            #expect(redirected.count == 2)
            let owner = try #require(owners.first.flatMap(cluster.node))
            #expect(try await cluster.roomRows().map { "\($0.1)@\($0.2)" } == ["i:77@\(owners.first!)"])
            // The redirected users enter at the owner and everybody sees everybody.
            let redirectedUsers = redirected
            try await withConnections(redirectedUsers.map { _ in owner.url }) { followers in
                for (follower, index) in zip(followers, redirectedUsers) {
                    follower.send(.enter(enterRequest(cluster, "u\(index)", room: .numeric(77), seq: 2)))
                    guard case .entered(let entered) = try await follower.next() else { throw TestFailure("not admitted at the owner") }
                    #expect(entered.room == .numeric(77))
                }
                #expect(try await owner.health().users == 3)
            }
            for node in cluster.nodes where node.port != owner.port { #expect(try await node.health().rooms == 0) }
        }
        await cluster.stop()
    }

    @Test("the four server APIs at every node, numeric and string rooms, through Tencent's Python SDK; unknown rooms RoomNotExist")
    func serverAPIAtEveryNode() async throws {
        let cluster = try await TestCluster.start(nodes: 3)
        let rooms: [RoomName] = [.numeric(8888), .string("str-room")]
        for (index, node) in cluster.nodes.enumerated() {
            for room in rooms {
                // Two members at the room's owner, wherever the entry landed.
                try await withMembers(cluster, entering: node, ["victim", "stayer"], room: room) { members in
                    let byString = if case .string = room { true } else { false }
                    let roomField = switch room {
                    case .numeric(let id): "\(id)"
                    case .string(let id): "\"\(id)\""
                    }
                    let remove = byString ? "RemoveUserByStrRoomId" : "RemoveUser"
                    let (status, answer) = try await callAPI(cluster, node, remove,
                        "{\"SdkAppId\": \(cluster.credentials.sdkAppId), \"RoomId\": \(roomField), \"UserIds\": [\"victim\"]}")
                    #expect(status == 0, "\(remove) at node \(index + 1): \(answer)")
                    #expect(try await members[0].next() == .exit(reason: .removedByServer, message: "removed from the room by the server API"))
                    #expect(try await members[1].next() == .userLeave(userId: "victim", reason: .removedByServer))
                    let dismiss = byString ? "DismissRoomByStrRoomId" : "DismissRoom"
                    let (dismissed, dismissAnswer) = try await callAPI(cluster, node, dismiss,
                        "{\"SdkAppId\": \(cluster.credentials.sdkAppId), \"RoomId\": \(roomField)}")
                    #expect(dismissed == 0, "\(dismiss) at node \(index + 1): \(dismissAnswer)")
                    #expect(try await members[1].next() == .exit(reason: .roomDismissed, message: "the room was dismissed by the server API"))
                }
            }
            let (status, answer) = try await callAPI(cluster, node, "DismissRoom",
                "{\"SdkAppId\": \(cluster.credentials.sdkAppId), \"RoomId\": 4242}")
            #expect(status == 3)
            #expect(answer["Code"] == .string("FailedOperation.RoomNotExist"))
        }
        // Every dismissed room released its placement.
        try await waitUntil("rooms released", timeout: .seconds(5)) { try await cluster.roomRows().isEmpty }
        await cluster.stop()
    }

    @Test("the same userId entering through two nodes: the earlier client gets ExitRoom(3) exactly once")
    func duplicateUserThroughTwoNodes() async throws {
        let cluster = try await TestCluster.start(nodes: 2)
        let (first, second) = (cluster.nodes[0], cluster.nodes[1])
        try await withMembers(cluster, entering: first, ["twin"], room: .numeric(5)) { earlier in
            try await withMembers(cluster, entering: second, ["twin"], room: .numeric(5)) { later in
                #expect(try await earlier[0].next() == .exit(reason: .kickedByDuplicateUser,
                                                            message: "the same userId entered the room from another client"))
                try await earlier[0].waitClosed()
                try await later[0].expectNothing(for: .milliseconds(500))
                var owner: ServerProcess?
                for node in cluster.nodes {
                    if try await node.health().rooms == 1 { owner = node }
                }
                #expect(try await owner?.metricValue("trtc_kicks_total{reason=\"duplicate\"}") == 1)
            }
        }
        await cluster.stop()
    }

    @Test("owner killed (-9): the API answers RoomNotExist meanwhile without hanging; the room is placed again after the TTL")
    func ownerKilled() async throws {
        let cluster = try await TestCluster.start(nodes: 3)
        let ownerId = try await withMembers(cluster, entering: cluster.nodes[0], ["doomed"], room: .numeric(31)) { _ in
            let ownerId = try #require(try await cluster.roomRows().first?.2)
            try #require(cluster.node(ownerId)).process.signal(SIGKILL)
            return ownerId
        }
        let survivor = try #require(cluster.nodes.first { cluster.nodeId(port: $0.port) != ownerId })
        let started = ContinuousClock.now
        let (status, answer) = try await callAPI(cluster, survivor, "DismissRoom",
            "{\"SdkAppId\": \(cluster.credentials.sdkAppId), \"RoomId\": 31}")
        #expect(status == 3 && answer["Code"] == .string("FailedOperation.RoomNotExist"), "\(answer)")
        #expect(ContinuousClock.now - started < .seconds(5))
        // New entries are admitted once the dead owner's lease has ended.
        try await waitUntil("room 31 usable again", timeout: .seconds(10), interval: .milliseconds(200)) {
            try await withConnections([survivor.url]) { clients in
                clients[0].send(.enter(enterRequest(cluster, "phoenix", room: .numeric(31), seq: 1)))
                switch try await clients[0].next() {
                case .entered: return true
                case .redirect(_, let url, let node):
                    guard node != ownerId else { return false }
                    return try await withConnections([url]) { again in
                        again[0].send(.enter(enterRequest(cluster, "phoenix", room: .numeric(31), seq: 1)))
                        if case .entered = try await again[0].next() { return true }
                        return false
                    }
                default: return false
                }
            }
        }
        #expect(ContinuousClock.now - started < .seconds(cluster.leaseTTL + 5))
        await cluster.stop()
    }

    @Test("listening connections killed (pg_terminate_backend): a RemoveUser at a non-owner still runs, exactly once")
    func listenerKilled() async throws {
        let cluster = try await TestCluster.start(nodes: 2)
        try await withMembers(cluster, entering: cluster.nodes[0], ["target", "witness"], room: .numeric(12)) { members in
            let ownerId = try #require(try await cluster.roomRows().first?.2)
            let owner = try #require(cluster.node(ownerId))
            let other = try #require(cluster.nodes.first { $0.port != owner.port })
            let killed = try await cluster.database.psql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%'")
            #expect(Int(killed) ?? 0 >= 2, "listeners killed: \(killed)")
            let (status, answer) = try await callAPI(cluster, other, "RemoveUser",
                "{\"SdkAppId\": \(cluster.credentials.sdkAppId), \"RoomId\": 12, \"UserIds\": [\"target\"]}")
            #expect(status == 0, "\(answer)")
            #expect(try await members[0].next() == .exit(reason: .removedByServer, message: "removed from the room by the server API"))
            #expect(try await members[1].next() == .userLeave(userId: "target", reason: .removedByServer))
            try await members[1].expectNothing(for: .milliseconds(1500))
            #expect(try await owner.metricValue("trtc_cluster_commands_total{direction=\"executed\"}") == 1)
            #expect(try await cluster.database.psql("SELECT count(*) FROM trtc_command WHERE done_at IS NOT NULL") == "1")
        }
        await cluster.stop()
    }

    @Test("owner stopped (SIGSTOP) past its TTL: the room moves; on SIGCONT the zombie fences itself, no member left on it")
    func zombieFences() async throws {
        let cluster = try await TestCluster.start(nodes: 2)
        let ttl = cluster.leaseTTL
        try await withMembers(cluster, entering: cluster.nodes[0], ["sleeper"], room: .numeric(44)) { members in
            let ownerId = try #require(try await cluster.roomRows().first?.2)
            let zombie = try #require(cluster.node(ownerId))
            let other = try #require(cluster.nodes.first { $0.port != zombie.port })
            zombie.process.signal(SIGSTOP)
            try await Task.sleep(for: .seconds(ttl + 1))
            // Meanwhile the room is placed on the live node: a new member enters there.
            try await withConnections([other.url]) { clients in
                clients[0].send(.enter(enterRequest(cluster, "awake", room: .numeric(44), seq: 1)))
                guard case .entered = try await clients[0].next() else { throw TestFailure("room 44 not re-placed") }
                #expect(try await cluster.roomRows().first?.2 == cluster.nodeId(port: other.port))
                zombie.process.signal(SIGCONT)
                // The zombie tells its member to go and closes it, rather than serving a second room 44.
                guard case .shutdown = try await members[0].next(timeout: .seconds(5)) else { throw TestFailure("zombie did not fence") }
                try await members[0].waitClosed()
                try await waitUntil("zombie has no room", timeout: .seconds(5)) { try await zombie.health().rooms == 0 }
                #expect(try await zombie.metricValue("trtc_cluster_fences_total") == 1)
                // It registers again (a new incarnation) and serves.
                try await cluster.waitUntilServing([zombie])
            }
        }
        await cluster.stop()
    }

    @Test("a draining node (SIGUSR1) and a full node (--node-capacity) get no new rooms; entries there are redirected")
    func drainingAndFullSkipped() async throws {
        let cluster = try await TestCluster.start(nodes: 2)
        let full = try await cluster.startNode("n3", extraArguments: ["--node-capacity", "1"])
        try await cluster.waitUntilServing([full])
        let draining = cluster.nodes[0]
        draining.process.signal(SIGUSR1)
        // n3 takes one user (a room placed by its own re-claim would be fine too: it is not full yet).
        try await waitUntil("n1 reported draining", timeout: .seconds(5)) {
            try await cluster.database.psql("SELECT state FROM trtc_node WHERE node_id = 'n1'") == "draining"
        }
        // n3 holds one user, so it is full: a room is entered at n3 until one is placed there.
        try await withRoomPlaced(on: full, cluster, room: 600) { _ in
            try await waitUntil("n3 reported full", timeout: .seconds(5)) {
                try await cluster.database.psql("SELECT num_users FROM trtc_node WHERE node_id = 'n3'") == "1"
            }
            for room in 701...712 {
                try await withConnections([draining.url]) { clients in
                    clients[0].send(.enter(enterRequest(cluster, "u\(room)", room: .numeric(UInt32(room)), seq: 1)))
                    switch try await clients[0].next() {
                    case .redirect(_, _, let node):
                        #expect(node == "n2", "room \(room) placed on \(node)")
                    case let other:
                        Issue.record("room \(room) at the draining node: \(other)")
                    }
                }
            }
            #expect(try await draining.health().rooms == 0)
            #expect(try await draining.healthJSON()["cluster"]?["state"] == .string("draining"))
        }
        await cluster.stop()
    }

    @Test("trtcctl server nodes lists every node with its state and load")
    func nodesCommand() async throws {
        let cluster = try await TestCluster.start(nodes: 2)
        try await withMembers(cluster, entering: cluster.nodes[0], ["listed"], room: .numeric(3)) { _ in
            // The view is refreshed every few renewals.
            try await waitUntil("the nodes table shows the user", timeout: .seconds(10), interval: .milliseconds(200)) {
                let run = try await CommandRun.run(BuiltProducts.executable("trtcctl").path,
                                                   ["server", "nodes", "--endpoint", cluster.nodes[1].endpoint])
                try run.successful("trtcctl server nodes")
                let lines = run.stdout.split(separator: "\n").map(String.init)
                guard lines.count == 3, lines[0].hasPrefix("NODE"), lines[1].hasPrefix("n1"), lines[2].hasPrefix("n2") else { return false }
                let users = lines.dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true)[3] }
                return users.sorted() == ["0", "1"] && lines.allSatisfy { !$0.contains("expired") }
            }
        }
        await cluster.stop()
    }

    @Test("the last member leaving while another enters at the same node: the new member's room keeps its placement")
    func lastLeaveRacingEntry() async throws {
        let cluster = try await TestCluster.start(nodes: 2)
        for room in UInt32(900)..<920 {
            try await withMembers(cluster, entering: cluster.nodes[0], ["leaver"], room: .numeric(room)) { members in
                let ownerId = try #require(try await cluster.roomRows().first { $0.1 == "i:\(room)" }?.2)
                let owner = try #require(cluster.node(ownerId))
                try await withConnections([owner.url]) { clients in
                    members[0].send(.leave(seq: 7))
                    clients[0].send(.enter(enterRequest(cluster, "joiner", room: .numeric(room), seq: 1)))
                    var admittedAt = ownerId
                    switch try await clients[0].next() {
                    case .entered: break
                    case .redirect(_, let url, let node):
                        // The room emptied first and was placed anew elsewhere: follow, as a client would.
                        admittedAt = node
                        try await withConnections([url]) { again in
                            again[0].send(.enter(enterRequest(cluster, "joiner", room: .numeric(room), seq: 1)))
                            guard case .entered = try await again[0].next() else { throw TestFailure("not admitted at \(node)") }
                            try await Task.sleep(for: .milliseconds(200))
                            #expect(try await cluster.roomRows().filter { $0.1 == "i:\(room)" }.map(\.2) == [node])
                        }
                        return
                    case let other:
                        throw TestFailure("joiner answered \(other)")
                    }
                    // Whatever the order, the release of the leaver's placement ran: the row must still be there.
                    try await Task.sleep(for: .milliseconds(200))
                    #expect(try await cluster.roomRows().filter { $0.1 == "i:\(room)" }.map(\.2) == [admittedAt],
                            "room \(room) lost its placement while its member is in")
                }
            }
        }
        try await waitUntil("every room released", timeout: .seconds(10)) { try await cluster.roomRows().isEmpty }
        await cluster.stop()
    }

    @Test("PostgreSQL restarted while a RemoveUser at a non-owner waits for the owner: it still runs there, exactly once")
    func databaseRestartedMidCommand() async throws {
        // A TTL longer than the restart and the owner's pause, so that no node fences meanwhile.
        let cluster = try await TestCluster.start(nodes: 2, leaseTTL: 15)
        try await withMembers(cluster, entering: cluster.nodes[0], ["target", "witness"], room: .numeric(13)) { members in
            let ownerId = try #require(try await cluster.roomRows().first?.2)
            let owner = try #require(cluster.node(ownerId))
            let other = try #require(cluster.nodes.first { $0.port != owner.port })
            // The owner is paused, so the command is queued (row + NOTIFY) but not claimed when the database goes.
            owner.process.signal(SIGSTOP)
            async let call = callAPI(cluster, other, "RemoveUser",
                "{\"SdkAppId\": \(cluster.credentials.sdkAppId), \"RoomId\": 13, \"UserIds\": [\"target\"]}")
            try await waitUntil("the command is queued", timeout: .seconds(10), interval: .milliseconds(20)) {
                try await cluster.database.psql("SELECT count(*) FROM trtc_command") == "1"
            }
            let restartBegan = ContinuousClock.now
            try await cluster.database.restart()
            let restarted = ContinuousClock.now - restartBegan
            owner.process.signal(SIGCONT)
            let (status, answer) = try await call
            #expect(status == 0, "\(answer); restart took \(restarted)")
            #expect(try await members[0].next() == .exit(reason: .removedByServer, message: "removed from the room by the server API"))
            #expect(try await members[1].next() == .userLeave(userId: "target", reason: .removedByServer))
            try await members[1].expectNothing(for: .milliseconds(1500))
            #expect(try await owner.metricValue("trtc_cluster_commands_total{direction=\"executed\"}") == 1)
            #expect(try await cluster.database.psql("SELECT count(*) FROM trtc_command WHERE done_at IS NOT NULL") == "1")
            #expect(try await cluster.database.psql("SELECT count(*) FROM trtc_command") == "1")
        }
        await cluster.stop()
    }

    @Test("owner killed: an entry at the survivor waits for the dead owner's lease (no redirect to it) and is admitted")
    func entryHeldUntilLeaseEnds() async throws {
        // TTL 3 s: suspect 1.2 s after its last renewal, so the entry below arrives well before the lease ends.
        let cluster = try await TestCluster.start(nodes: 2, leaseTTL: 3)
        let ttl = cluster.leaseTTL
        try await withRoomPlaced(on: cluster.nodes[0], cluster, room: 400) { _ in
            let room = try #require(try await cluster.roomRows().first { $0.2 == "n1" }?.1)
            let roomId = try #require(UInt32(room.dropFirst(2)))
            cluster.nodes[0].process.signal(SIGKILL)
            let killed = ContinuousClock.now
            let survivor = cluster.nodes[1]
            // Past two of its renewal intervals (TTL/5 each), the dead owner is suspect; its lease still runs.
            try await Task.sleep(for: .seconds(ttl / 2))
            try await withConnections([survivor.url]) { clients in
                clients[0].send(.enter(enterRequest(cluster, "rescuer", room: .numeric(roomId), seq: 1)))
                guard case .entered = try await clients[0].next(timeout: .seconds(ttl + 5)) else {
                    throw TestFailure("the entry at the survivor was not admitted")
                }
            }
            let admittedAfter = ContinuousClock.now - killed
            #expect(admittedAfter < .seconds(ttl + 1.5), "admitted \(admittedAfter) after the kill")
            #expect(try await survivor.metricValue("trtc_cluster_entries_held_total") ?? 0 >= 1)
        }
        await cluster.stop()
    }

    @Test("owner killed: the rooms held at each survivor are placed there when the lease ends, none redirected")
    func heldRoomsPlacedWhereHeld() async throws {
        // TTL 3 s: suspect 1.2 s after its last renewal; the entries below arrive while its lease runs out.
        let cluster = try await TestCluster.start(nodes: 3, leaseTTL: 3)
        let ttl = cluster.leaseTTL
        let (dead, survivors) = (cluster.nodes[0], Array(cluster.nodes.dropFirst()))
        try await withRoomPlaced(on: dead, cluster, room: 500) { _ in
            try await withRoomPlaced(on: dead, cluster, room: 600) { _ in
                try await withRoomPlaced(on: dead, cluster, room: 700) { _ in
                    try await withRoomPlaced(on: dead, cluster, room: 800) { _ in
                        let rooms = try await cluster.roomRows().filter { $0.2 == "n1" }.compactMap { UInt32($0.1.dropFirst(2)) }
                        try #require(rooms.count == 4, "rooms on n1: \(rooms)")
                        var redirectsBefore: [Double] = []
                        for node in survivors {
                            redirectsBefore.append(try await node.metricValue("trtc_cluster_placements_total{outcome=\"redirect\"}") ?? 0)
                        }
                        dead.process.signal(SIGKILL)
                        let killed = ContinuousClock.now
                        try await Task.sleep(for: .seconds(ttl / 2))
                        // Two rooms come back through each survivor, at once (as a dead node's members do).
                        let entries = rooms.enumerated().map { index, room in (survivors[index % 2], room) }
                        try await withConnections(entries.map { $0.0.url }) { clients in
                            for (client, (_, room)) in zip(clients, entries) {
                                client.send(.enter(enterRequest(cluster, "back\(room)", room: .numeric(room), seq: 1)))
                            }
                            for (client, (node, room)) in zip(clients, entries) {
                                let answer = try await client.next(timeout: .seconds(ttl + 5))
                                guard case .entered = answer else {
                                    throw TestFailure("room \(room) at port \(node.port) answered \(answer)")
                                }
                            }
                        }
                        let admittedAfter = ContinuousClock.now - killed
                        #expect(admittedAfter < .seconds(ttl + 1.5), "admitted \(admittedAfter) after the kill")
                        let placed = try await cluster.roomRows()
                        for (node, room) in entries {
                            let nodeId = cluster.nodeId(port: node.port)
                            #expect(placed.contains { $0.1 == "i:\(room)" && $0.2 == nodeId }, "room \(room): \(placed)")
                        }
                        for (node, before) in zip(survivors, redirectsBefore) {
                            #expect(try await node.metricValue("trtc_cluster_placements_total{outcome=\"redirect\"}") ?? 0 == before)
                            #expect(try await node.metricValue("trtc_cluster_entries_held_total") ?? 0 >= 2)
                        }
                    }
                }
            }
        }
        await cluster.stop()
    }

    @Test("a suspect node (stopped renewing) gets no new rooms while its lease runs out")
    func newRoomsAvoidSuspectNode() async throws {
        // TTL 5 s: n1 is suspect 2 s after its last renewal and keeps its lease for 3 s more, time for the entries.
        let cluster = try await TestCluster.start(nodes: 2, leaseTTL: 5)
        let ttl = cluster.leaseTTL
        // n1 reported no users and n2 will: without the suspicion, the less loaded n1 would take the new rooms.
        cluster.nodes[0].process.signal(SIGSTOP)
        try await Task.sleep(for: .seconds(ttl / 2))
        for room in 1300...1309 {
            try await withConnections([cluster.nodes[1].url]) { clients in
                clients[0].send(.enter(enterRequest(cluster, "u\(room)", room: .numeric(UInt32(room)), seq: 1)))
                guard case .entered = try await clients[0].next() else { throw TestFailure("room \(room) not placed at n2") }
            }
        }
        #expect(try await cluster.roomRows().allSatisfy { $0.2 == "n2" })
        #expect(try await cluster.database.psql("SELECT count(*) FROM trtc_node WHERE node_id = 'n1' AND lease_until > now()") == "1",
                "n1's lease ended before the entries: the test proved nothing")
        cluster.nodes[0].process.signal(SIGCONT)
        await cluster.stop()
    }

    @Test("POST /admin/drain (trtcctl server drain): no new rooms on the node, its room goes on and ends by itself; --resume undoes it")
    func adminDrain() async throws {
        let cluster = try await TestCluster.start(nodes: 2)
        let (drained, other) = (cluster.nodes[0], cluster.nodes[1])
        let trtcctl = BuiltProducts.executable("trtcctl").path
        try await withRoomPlaced(on: drained, cluster, room: 500) { member in
            let room = try #require(try await cluster.roomRows().first { $0.2 == "n1" }?.1)
            let roomId = try #require(UInt32(room.dropFirst(2)))
            // A browser page on this host cannot drain it.
            let fromPage = try await HTTPExchange.perform(.POST, try ServerURL(drained.endpoint + "/admin/drain"),
                                                          headers: [("Origin", "http://example.com")])
            #expect(fromPage.status == 403)
            let run = try await CommandRun.run(trtcctl, ["server", "drain", "--endpoint", drained.endpoint])
            try run.successful("trtcctl server drain")
            #expect(run.stdout.hasPrefix("node n1: draining"), "\(run.stdout)")
            try await waitUntil("n1 reported draining", timeout: .seconds(5)) {
                try await cluster.database.psql("SELECT state FROM trtc_node WHERE node_id = 'n1'") == "draining"
            }
            #expect(try await drained.healthJSON()["cluster"]?["state"] == .string("draining"))
            for room in 801...806 {
                try await withConnections([drained.url]) { clients in
                    clients[0].send(.enter(enterRequest(cluster, "u\(room)", room: .numeric(UInt32(room)), seq: 1)))
                    switch try await clients[0].next() {
                    case .redirect(_, _, let node): #expect(node == "n2", "room \(room) placed on \(node)")
                    case let other: Issue.record("room \(room) at the draining node: \(other)")
                    }
                }
            }
            // Its room goes on: a member joins it there, then both leave and the room ends, releasing its row.
            try await withConnections([drained.url]) { clients in
                clients[0].send(.enter(enterRequest(cluster, "latecomer", room: .numeric(roomId), seq: 1)))
                guard case .entered = try await clients[0].next() else { throw TestFailure("the draining node's room refused a member") }
                clients[0].send(.leave(seq: 2))
            }
            member.send(.leave(seq: 2))
            try await waitUntil("the drained node's room ended", timeout: .seconds(10)) {
                let rows = try await cluster.roomRows()
                let rooms = try await drained.health().rooms
                return rows.allSatisfy { $0.2 != "n1" } && rooms == 0
            }
        }
        #expect(try await other.health().rooms == 0)
        let resume = try await CommandRun.run(trtcctl, ["server", "drain", "--resume", "--endpoint", drained.endpoint])
        try resume.successful("trtcctl server drain --resume")
        #expect(resume.stdout.hasPrefix("node n1: serving"), "\(resume.stdout)")
        try await waitUntil("n1 reported serving", timeout: .seconds(5)) {
            try await cluster.database.psql("SELECT state FROM trtc_node WHERE node_id = 'n1'") == "serving"
        }
        await cluster.stop()
    }

    @Test("a node cut off from PostgreSQL (a TCP proxy the test cuts) fences within the TTL; its room is placed elsewhere")
    func cutOffFromDatabase() async throws {
        let cluster = try await TestCluster.start(nodes: 1)
        let proxy = try await TCPCutProxy.start(to: cluster.database.port)
        let isolated = try await cluster.startNode("n2", databasePort: proxy.port)
        try await cluster.waitUntilServing([isolated])
        let direct = cluster.nodes[0]
        try await withRoomPlaced(on: isolated, cluster, room: 50) { member in
            let room = try #require(try await cluster.roomRows().first { $0.2 == "n2" }?.1)
            proxy.cut()
            let cutAt = ContinuousClock.now
            guard case .shutdown = try await member.next(timeout: .seconds(cluster.leaseTTL + 2)) else {
                throw TestFailure("the cut-off node did not tell its member")
            }
            let fencedAfter = ContinuousClock.now - cutAt
            #expect(fencedAfter < .seconds(cluster.leaseTTL), "fenced \(fencedAfter) after the cut")
            #expect(try await isolated.health().rooms == 0)
            // Once its lease has ended in the database, the room is placed on the node that still reaches it.
            let roomId = try #require(UInt32(room.dropFirst(2)))
            try await waitUntil("room placed on n1", timeout: .seconds(cluster.leaseTTL + 5), interval: .milliseconds(200)) {
                try await withConnections([direct.url]) { clients in
                    clients[0].send(.enter(enterRequest(cluster, "rescuer", room: .numeric(roomId), seq: 1)))
                    if case .entered = try await clients[0].next() { return true }
                    return false
                }
            }
            // Healed, it connects anew (its old connections hang: the cut dropped packets, it reset nothing) and serves.
            proxy.heal()
            try await cluster.waitUntilServing([isolated], timeout: .seconds(15))
        }
        await proxy.close()
        await cluster.stop()
    }

    // MARK: helpers

    private func enterRequest(_ cluster: TestCluster, _ userId: String, room: RoomName, seq: UInt32) -> EnterRequest {
        EnterRequest(seq: seq, sdkAppId: cluster.credentials.sdkAppId, userId: userId,
                     userSig: cluster.credentials.userSig(userId), room: room)
    }

    /// A user enters room `room`, `room + 1`, … at `node` until one is placed there; `body` runs while it is in.
    private func withRoomPlaced(on node: ServerProcess, _ cluster: TestCluster, room: UInt32,
                                _ body: @escaping @Sendable (TestClient) async throws -> Void) async throws {
        for attempt in room..<(room + 40) {
            let placedHere: Bool = try await withConnections([node.url]) { clients in
                clients[0].send(.enter(enterRequest(cluster, "filler", room: .numeric(attempt), seq: 1)))
                guard case .entered(let entered) = try await clients[0].next() else { return false }
                clients[0].heartbeatMs.store(entered.heartbeatMs, ordering: .relaxed)
                try await body(clients[0])
                return true
            }
            if placedHere { return }
        }
        throw TestFailure("no room was placed on the node in 40 tries")
    }

    /// `userIds` enter `room` through `node`, following a redirect to the owner; `body` gets them in the room.
    private func withMembers<T: Sendable>(_ cluster: TestCluster, entering node: ServerProcess, _ userIds: [String], room: RoomName,
                                          _ body: @escaping @Sendable ([TestClient]) async throws -> T) async throws -> T {
        try await withConnections([node.url]) { first in
            first[0].send(.enter(enterRequest(cluster, userIds[0], room: room, seq: 1)))
            switch try await first[0].next() {
            case .entered(let entered):
                first[0].heartbeatMs.store(entered.heartbeatMs, ordering: .relaxed)
                return try await withConnections(userIds.dropFirst().map { _ in node.url }) { rest in
                    try await enterAll(cluster, Array(userIds.dropFirst()), rest, room: room)
                    return try await drainedThen(first + rest, body)
                }
            case .redirect(_, let url, _):
                return try await withConnections(userIds.map { _ in url }) { clients in
                    try await enterAll(cluster, userIds, clients, room: room)
                    return try await drainedThen(clients, body)
                }
            case let other:
                throw TestFailure("\(userIds[0]) answered \(other)")
            }
        }
    }

    private func enterAll(_ cluster: TestCluster, _ userIds: [String], _ clients: [TestClient], room: RoomName) async throws {
        for (client, userId) in zip(clients, userIds) {
            client.send(.enter(enterRequest(cluster, userId, room: room, seq: 2)))
            switch try await client.next() {
            case .entered(let entered):
                client.heartbeatMs.store(entered.heartbeatMs, ordering: .relaxed)
            case let other:
                throw TestFailure("\(userId) answered \(other) at the owner")
            }
        }
    }

    /// The members saw each other's entries: those are read first, so that the body reads what comes next.
    private func drainedThen<T: Sendable>(_ clients: [TestClient], _ body: @Sendable ([TestClient]) async throws -> T) async throws -> T {
        for (index, client) in clients.enumerated() {
            for _ in 0..<(clients.count - 1 - index) { _ = try await client.next() }
        }
        return try await body(clients)
    }

    private func callAPI(_ cluster: TestCluster, _ node: ServerProcess, _ action: String, _ body: String)
        async throws -> (Int32, JSONValue) {
        let process = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                       ["python3", Self.sdkScript.path, "api", "127.0.0.1:\(node.port)",
                                        cluster.credentials.secretId, cluster.credentials.apiSecretKey, action, body],
                                       name: "tencent_sdk.py")
        let status = try await process.waitForExit(timeout: .seconds(30))
        let output = process.output.joined(separator: "\n")
        guard let value = try? JSONCoding.parse(output) else {
            throw TestFailure("tencent_sdk.py printed \(output.debugDescription); stderr \(process.errorOutput.suffix(1000))")
        }
        return (status, value)
    }
}

/// Runs `body` with one connected client per URL (heartbeats once entered).
func withConnections<T: Sendable>(_ urls: [String], _ body: @escaping @Sendable ([TestClient]) async throws -> T) async throws -> T {
    guard let url = urls.first else { return try await body([]) }
    var logger = Logger(label: "cluster-client")
    logger.logLevel = .error
    return try await SignalingClient.withConnection(server: url, logger: logger) { channel in
        let client = TestClient(channel: channel)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await client.pump() }
            tasks.addTask { await client.heartbeats() }
            let result = try await withConnections(Array(urls.dropFirst())) { rest in try await body([client] + rest) }
            channel.close()
            tasks.cancelAll()
            return result
        }
    }
}
