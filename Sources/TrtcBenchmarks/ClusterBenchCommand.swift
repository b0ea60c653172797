import ArgumentParser
import Foundation
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcServer

/// `trtc-bench cluster`: trtc-server nodes on loopback sharing a throwaway PostgreSQL (docs/cluster.md): placement
/// spread, join rates against a single node, RemoveUser through a non-owner, failover after kill -9.
struct ClusterBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Benchmark cluster mode: nodes and a PostgreSQL on this machine, members simulated in this process.",
        discussion: """
            Members are TrtcClient signaling clients that follow redirects and come back through their entry node \
            when their node is lost, as trtcd does. The single-node comparison runs the same entries against one \
            trtc-server without a database.
            """)

    @Option(help: "Nodes of the cluster.")
    var nodes = 3

    @Option(help: "Rooms placed (one first member each, entering at the nodes in turn).")
    var rooms = 3_000

    @Option(help: "RemoveUser calls measured at a non-owner (and as many at the owner).")
    var removeSamples = 100

    @Option(help: "Owner kills measured (the table gives their median).")
    var failovers = 5

    @Option(help: "The nodes' --lease-ttl in seconds.")
    var leaseTTL = 5.0

    @Option(help: "Members started at once.")
    var window = 200

    @Option(help: "Write the markdown report to FILE as well.")
    var output: String?

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        try ReportFile.validate(output)
    }

    func run() async throws {
        _ = FileDescriptorLimit.raiseToHardLimit()
        let launcher = ServerProcess.Launcher(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
                                              leadingArguments: ["trtc-server"])
        let log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let machine = MachineDescription.current()
        log("trtc-bench cluster on \(machine.summary)")
        let bench = ClusterBenchmark(nodes: nodes, rooms: rooms, removeSamples: removeSamples, failovers: failovers,
                                     leaseTTL: leaseTTL, window: window, launcher: launcher, log: log)
        let single = try await bench.singleNode()
        let cluster = try await bench.cluster()
        let rows: [[String]] = [
            ["rooms per node (max/min)", cluster.spread.map(String.init).joined(separator: " / ")
                + " (\((Double(cluster.spread.max() ?? 0) / Double(max(1, cluster.spread.min() ?? 1))).decimal(digits: 2)))", "≤ 1.5"],
            ["first entries/s (placement, redirects followed)", "\(Int(cluster.firstRate)) (single node \(Int(single.firstRate)))", "≥ single node"],
            ["joins/s into existing rooms at their owner", "\(Int(cluster.joinRate)) (single node \(Int(single.joinRate)))", "≥ single node"],
            ["RemoveUser at a non-owner → exit, p50 / p99", "\(cluster.remote.p50.milliseconds.decimal(digits: 2)) / \(cluster.remote.p99.milliseconds.decimal(digits: 2)) ms", "p50 ≤ 10 ms"],
            ["RemoveUser at the owner → exit, p50 / p99", "\(cluster.local.p50.milliseconds.decimal(digits: 2)) / \(cluster.local.p99.milliseconds.decimal(digits: 2)) ms", "≈ 1.5 ms"],
            ["owner killed → room usable again: median (each)", Self.medianAndEach(cluster.usable), "≤ 7 s"],
            ["owner killed → its members back in the room: median (each)", Self.medianAndEach(cluster.back), "≤ 10 s"],
        ]
        let report = """
            ## trtc-server cluster

            \(machine.markdown)
            - \(nodes) nodes (trtc-server processes) and one PostgreSQL 15 (fsync off) on this machine, lease TTL \
            \(leaseTTL.decimal(digits: 1)) s; \(rooms) rooms; members: trtc-bench's TrtcClient signaling clients, loopback

            | measure | result | target |
            |---|---|---|
            \(rows.map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n"))

            """
        print(report)
        try ReportFile.write(report, to: output)
    }

    /// `5.1 s (4.8, 5.1, 6.0 s)`: the median, then each round in order.
    static func medianAndEach(_ durations: [Duration]) -> String {
        guard !durations.isEmpty else { return "-" }
        let seconds = durations.map(\.seconds)
        let sorted = seconds.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return "\(median.decimal(digits: 1)) s (" + seconds.map { $0.decimal(digits: 1) }.joined(separator: ", ") + " s)"
    }
}

/// The measurements of `trtc-bench cluster`.
struct ClusterBenchmark: Sendable {
    struct Rates: Sendable {
        var firstRate: Double
        var joinRate: Double
    }

    struct ClusterResult: Sendable {
        var spread: [Int]
        var firstRate: Double
        var joinRate: Double
        var remote: LatencySummary
        var local: LatencySummary
        var usable: [Duration]
        var back: [Duration]
    }

    let nodes: Int
    let rooms: Int
    let removeSamples: Int
    let failovers: Int
    let leaseTTL: Double
    let window: Int
    let launcher: ServerProcess.Launcher
    let log: @Sendable (String) -> Void

    /// The same first entries and joins against one trtc-server without a database.
    func singleNode() async throws -> Rates {
        let credentials = ServerCredentials.random()
        let server = try await ServerProcess.start(launcher, certificate: nil, credentials: credentials,
                                                   extraArguments: ["--api-rate-limit", "0", "--room-entries-per-minute", "0"])
        log("single node: \(rooms) first entries, then \(rooms) joins")
        let first = (0..<rooms).map { ClusterMember(userId: "a\($0)", room: UInt32($0 + 1), entry: server.url) }
        let joins = (0..<rooms).map { ClusterMember(userId: "b\($0)", room: UInt32($0 + 1), entry: server.url) }
        let rates = try await withMembers(credentials, nodeOfURL: { _ in "single" }) { start in
            let firstRate = try await enterAll(first, start)
            let joinRate = try await enterAll(joins, start)
            return Rates(firstRate: firstRate, joinRate: joinRate)
        }
        await server.stop()
        return rates
    }

    func cluster() async throws -> ClusterResult {
        let cluster = try await TestCluster.start(nodes: nodes, leaseTTL: leaseTTL, launcher: launcher,
                                                  nodeArguments: ["--api-rate-limit", "0", "--room-entries-per-minute", "0"])
        let urls = cluster.nodes.map(\.url)
        log("cluster of \(nodes): \(rooms) first entries at the nodes in turn, then \(rooms) joins at the owners")
        let first = (0..<rooms).map { ClusterMember(userId: "a\($0)", room: UInt32($0 + 1), entry: urls[$0 % urls.count]) }
        let nodeOfURL: @Sendable (String) -> String? = { url in cluster.nodeId(port: Int(url.split(separator: ":").last ?? "") ?? 0) }
        let result = try await withMembers(cluster.credentials, nodeOfURL: nodeOfURL) { start in
            let firstRate = try await enterAll(first, start)
            var spread: [Int] = []
            for node in cluster.nodes { spread.append(try await node.health().rooms) }
            // Joins where the rooms are: no placement, no statement.
            let joins = first.map { member in
                ClusterMember(userId: "b" + member.userId.dropFirst(), room: member.room,
                              entry: member.current.node.flatMap { cluster.node($0)?.url } ?? member.entry)
            }
            let joinRate = try await enterAll(joins, start)
            let (remote, local) = try await removeUsers(joins, cluster)
            var usable: [Duration] = []
            var back: [Duration] = []
            for round in 0..<failovers {
                // Every member in again after the previous round (those of the restarted node come back to it and
                // are placed anew): a kill during that wave would measure both recoveries at once.
                try await settle(first + joins, round)
                let (toUsable, toBack) = try await failover(round, first, cluster, start)
                usable.append(toUsable)
                back.append(toBack)
            }
            return ClusterResult(spread: spread, firstRate: firstRate, joinRate: joinRate, remote: remote, local: local,
                                 usable: usable, back: back)
        }
        await cluster.stop()
        return result
    }

    // MARK: steps

    /// Runs `body` with a way to start members; every started member runs until `body` returns.
    private func withMembers<T: Sendable>(_ credentials: ServerCredentials, nodeOfURL: @escaping @Sendable (String) -> String?,
                                          _ body: (@escaping @Sendable (ClusterMember) -> Void) async throws -> T) async throws -> T {
        let (starts, starter) = AsyncStream.makeStream(of: ClusterMember.self)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await withDiscardingTaskGroup { members in
                    for await member in starts {
                        members.addTask { await member.run(credentials: credentials, nodeOfURL: nodeOfURL) }
                    }
                }
            }
            do {
                let result = try await body { starter.yield($0) }
                starter.finish()
                group.cancelAll()
                return result
            } catch {
                starter.finish()
                group.cancelAll()
                throw error
            }
        }
    }

    /// Starts `members` (at most `window` entering at once); returns entries per second until all are in.
    private func enterAll(_ members: [ClusterMember], _ start: @Sendable (ClusterMember) -> Void) async throws -> Double {
        let began = ContinuousClock.now
        var next = 0
        var admitted = 0
        let deadline = began + .seconds(300)
        while admitted < members.count {
            while next < members.count && next - admitted < window {
                start(members[next])
                next += 1
            }
            try await Task.sleep(for: .milliseconds(5))
            while admitted < next && members[admitted].current.enteredAt != nil { admitted += 1 }
            if ContinuousClock.now > deadline { throw BenchFailure("only \(admitted) of \(members.count) members entered") }
        }
        let elapsed = members.compactMap { $0.current.enteredAt }.max()! - began
        return Double(members.count) / elapsed.seconds
    }

    /// RemoveUser of one member at a time, alternately through a node that does not own its room and through the owner.
    private func removeUsers(_ members: [ClusterMember], _ cluster: TestCluster) async throws -> (LatencySummary, LatencySummary) {
        var remote: [Duration] = []
        var local: [Duration] = []
        let credentials = cluster.credentials
        for (index, member) in members.prefix(2 * removeSamples).enumerated() {
            guard let owner = member.current.node else { continue }
            let atOwner = index % 2 == 1
            let node = atOwner ? cluster.node(owner) : cluster.nodes.first { cluster.nodeId(port: $0.port) != owner }
            guard let node else { continue }
            let api = try ServerAPIClient(endpoint: node.endpoint, secretId: credentials.secretId, secretKey: credentials.apiSecretKey)
            let started = ContinuousClock.now
            let outcome = try await api.call("RemoveUser", .object([
                "SdkAppId": .integer(Int64(credentials.sdkAppId)), "RoomId": .integer(Int64(member.room)),
                "UserIds": .array([.string(member.userId)]),
            ]))
            guard case .success = outcome else { throw BenchFailure("RemoveUser of \(member.userId) at \(node.url): \(outcome)") }
            while member.current.exitAt == nil {
                if ContinuousClock.now - started > .seconds(10) { throw BenchFailure("\(member.userId) was not told to exit") }
                try await Task.sleep(for: .microseconds(200))
            }
            let latency = member.current.exitAt! - started
            if atOwner { local.append(latency) } else { remote.append(latency) }
        }
        return (LatencySummary(remote), LatencySummary(local))
    }

    /// Until every member that was not told to exit is in (admitted after its latest loss).
    private func settle(_ members: [ClusterMember], _ round: Int) async throws {
        let began = ContinuousClock.now
        func away() -> Int {
            members.filter { member in
                let state = member.current
                guard state.exitAt == nil else { return false }
                guard let entered = state.enteredAt else { return true }
                return state.lostAt.map { $0 >= entered } ?? false
            }.count
        }
        while away() > 0 {
            if ContinuousClock.now - began > .seconds(60) {
                log("failover \(round + 1): \(away()) members still not back 60 s after the node restarted; killing anyway")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        if round > 0 { log("failover \(round + 1): members all in \((ContinuousClock.now - began).seconds.decimal(digits: 1)) s after the node restarted") }
    }

    /// When the lease of `nodeId` ends, on this process's clock: the database's `lease_until` (no renewal comes after
    /// the kill) less the database's time, taken halfway through the query.
    private func leaseEnd(of nodeId: String, _ cluster: TestCluster) async throws -> ContinuousClock.Instant {
        let asked = ContinuousClock.now
        let text = try await cluster.database.psql(
            "SELECT (extract(epoch FROM lease_until - clock_timestamp()) * 1000)::bigint FROM trtc_node WHERE node_id = '\(nodeId)'")
        let answered = ContinuousClock.now
        guard let remaining = Int64(text) else { throw BenchFailure("lease of \(nodeId): \(text)") }
        return asked + (answered - asked) / 2 + .milliseconds(remaining)
    }

    /// Kills the owner of a room whose first member entered through another node; returns the time until a new entry
    /// is admitted and until every member that entered through a surviving node is back in.
    private func failover(_ round: Int, _ members: [ClusterMember], _ cluster: TestCluster,
                          _ start: @escaping @Sendable (ClusterMember) -> Void) async throws -> (Duration, Duration) {
        guard let victim = members.first(where: { member in
            // Not one that is still on its way back from an earlier round (every node has been killed after three).
            let state = member.current
            guard let node = state.node, state.lostAt.map({ lost in state.enteredAt.map { $0 > lost } ?? false }) ?? true else {
                return false
            }
            let entryLives = cluster.nodes.contains { $0.url == member.entry && $0.process.isRunning }
            return entryLives && cluster.node(node)?.url != member.entry && cluster.node(node)?.process.isRunning == true
        }), let ownerId = victim.current.node, let owner = cluster.node(ownerId) else {
            throw BenchFailure("no room whose member entered through another node than its owner")
        }
        let survivors = members.filter { $0.current.node == ownerId && cluster.node(ownerId)?.url != $0.entry }
        let entryNode = victim.entry
        log("failover \(round + 1): kill -9 \(ownerId) (\(survivors.count) of its members entered elsewhere)")
        owner.process.signal(SIGKILL)
        let killed = ContinuousClock.now
        async let leaseEnded = leaseEnd(of: ownerId, cluster)
        // A new probe every 500 ms; every probe started so far counts, since under load one entry can take longer
        // than the interval (the 850 reconnecting members of a 3,000-room run are entering at the same time).
        var probes: [ClusterMember] = []
        var usable: Duration?
        while usable == nil {
            let probe = ClusterMember(userId: "probe\(round)-\(probes.count + 1)", room: victim.room, entry: entryNode, traced: true)
            probes.append(probe)
            start(probe)
            let probeStarted = ContinuousClock.now
            while ContinuousClock.now - probeStarted < .milliseconds(500) {
                if let at = probes.compactMap({ $0.current.enteredAt }).min() { usable = at - killed; break }
                try await Task.sleep(for: .milliseconds(5))
            }
            if usable == nil && ContinuousClock.now - killed > .seconds(60) {
                throw BenchFailure("room \(victim.room) not usable 60 s after the kill")
            }
        }
        while survivors.contains(where: { ($0.current.enteredAt ?? killed) <= killed }) {
            if ContinuousClock.now - killed > .seconds(60) { throw BenchFailure("members not back 60 s after the kill") }
            try await Task.sleep(for: .milliseconds(10))
        }
        let back = survivors.compactMap { $0.current.enteredAt }.max().map { $0 - killed } ?? .zero
        // The timeline: kill → lease end (database clock) → first probe admitted → last member back.
        let lease = try await leaseEnded - killed
        let first = probes.enumerated().compactMap { index, probe in probe.current.enteredAt.map { (index + 1, $0, probe.current.node) } }
            .min { $0.1 < $1.1 }
        let survivorNodes = Set(cluster.nodes.filter { $0.process.isRunning }.compactMap { cluster.nodeId(port: $0.port) })
        var held = 0.0
        for id in survivorNodes { held += try await cluster.node(id)?.metricValue("trtc_cluster_entries_held_total") ?? 0 }
        log("failover \(round + 1): lease ended \(lease.seconds.decimal(digits: 2)) s after the kill; usable \(usable!.seconds.decimal(digits: 2)) s "
            + "(lease + \((usable! - lease).seconds.decimal(digits: 2)) s, probe \(first?.0 ?? 0) of \(probes.count), "
            + "admitted at \(first?.2 ?? "?") (entered through \(cluster.nodeId(port: Int(entryNode.split(separator: ":").last ?? "") ?? 0) ?? "?"))); "
            + "back \(back.seconds.decimal(digits: 2)) s (lease + \((back - lease).seconds.decimal(digits: 2)) s); "
            + "entries held at the survivors so far: \(Int(held))")
        if let index = first?.0 {
            let trace = probes[index - 1].current.trace.map { "\(($0.at - killed).seconds.decimal(digits: 2)) \($0.event)" }
            log("failover \(round + 1): probe \(index): " + trace.joined(separator: "; "))
        }
        // The node comes back, empty, for the next round.
        try await cluster.startNode(ownerId, port: owner.port)
        try await cluster.waitUntilServing([cluster.node(ownerId)!])
        return (usable!, back)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
