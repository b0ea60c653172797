import Foundation
import Synchronization
import TrtcCore

/// Several trtc-server processes in cluster mode on loopback, sharing one throwaway PostgreSQL and one set of
/// credentials (each node must know the apps and API keys). Node ids are `n1`, `n2`, …; lease TTL short for tests.
public final class TestCluster: Sendable {
    public let database: PostgresProcess
    public let credentials: ServerCredentials
    public let leaseTTL: Double
    public let launcher: ServerProcess.Launcher
    public let nodeArguments: [String]
    private let started: Mutex<[String: ServerProcess]>

    /// `nodeArguments` go to every node this cluster starts.
    public static func start(nodes count: Int, leaseTTL: Double = 2, database: PostgresProcess? = nil,
                             launcher: ServerProcess.Launcher = .built, nodeArguments: [String] = []) async throws -> TestCluster {
        let db: PostgresProcess
        if let database { db = database } else { db = try await PostgresProcess.start() }
        let cluster = TestCluster(database: db, credentials: .random(), leaseTTL: leaseTTL, launcher: launcher,
                                  nodeArguments: nodeArguments)
        for index in 1...max(1, count) { _ = try await cluster.startNode("n\(index)") }
        try await cluster.waitUntilServing(cluster.nodes)
        return cluster
    }

    private init(database: PostgresProcess, credentials: ServerCredentials, leaseTTL: Double, launcher: ServerProcess.Launcher,
                 nodeArguments: [String]) {
        self.launcher = launcher
        self.nodeArguments = nodeArguments
        self.database = database
        self.credentials = credentials
        self.leaseTTL = leaseTTL
        self.started = Mutex([:])
    }

    /// The nodes started so far, by id order.
    public var nodes: [ServerProcess] { started.withLock { $0 }.sorted { $0.key < $1.key }.map(\.value) }

    public func node(_ id: String) -> ServerProcess? { started.withLock { $0[id] } }

    /// The id of the node listening on `port`.
    public func nodeId(port: Int) -> String? { started.withLock { $0 }.first { $0.value.port == port }?.key }

    /// Starts (or starts again, on a new port) node `id`.
    @discardableResult
    /// `databasePort`: reach PostgreSQL there instead (a `TCPCutProxy` in front of it).
    public func startNode(_ id: String, port: Int = 0, databasePort: Int? = nil, extraArguments: [String] = []) async throws -> ServerProcess {
        let url = databasePort.map { "postgres://postgres@127.0.0.1:\($0)/postgres" } ?? database.url
        let server = try await ServerProcess.start(
            launcher, port: port, certificate: nil, credentials: credentials,
            extraArguments: ["--cluster-db", url, "--node-id", id, "--lease-ttl", String(leaseTTL)] + nodeArguments + extraArguments)
        started.withLock { $0[id] = server }
        return server
    }

    /// Until each server's /healthz says it holds its lease.
    public func waitUntilServing(_ servers: [ServerProcess], timeout: Duration = .seconds(20)) async throws {
        for server in servers {
            try await waitUntil("node on port \(server.port) holds its lease", timeout: timeout) {
                guard case .object(let fields) = try await server.healthJSON(), case .object(let cluster)? = fields["cluster"] else {
                    return false
                }
                return cluster["lease"] == .string("held")
            }
        }
    }

    /// Room rows as `(sdkAppId, room_key, node_id)`.
    public func roomRows() async throws -> [(UInt32, String, String)] {
        let text = try await database.psql("SELECT sdk_app_id, room_key, node_id FROM trtc_room ORDER BY 1, 2")
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, let app = UInt32(parts[0]) else { return nil }
            return (app, parts[1], parts[2])
        }
    }

    public func stop() async {
        for server in nodes where server.process.isRunning { await server.stop() }
        await database.stop()
    }
}
