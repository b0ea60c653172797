/// Cluster mode (`--cluster-db`, config `cluster`; docs/cluster.md): this node's identity in the nodes table and the
/// timing of its lease. Absent, trtc-server is the embedded single node and touches no database.
public struct ClusterConfiguration: Sendable, Equatable {
    /// Where PostgreSQL is: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (`?host=/socket/dir` for a unix socket).
    public var database: PostgresURL
    /// Unique per node and stable across restarts (the nodes table's key).
    public var nodeId: String
    /// The URL clients are redirected to for rooms this node owns (`ws://HOST:PORT` or `wss://…`); nil: the listen
    /// address with the bound port (only for a specific listen host).
    public var signalURL: String?
    /// Users this node takes before placement skips it; 0 for no cap.
    public var capacity: Int
    /// How long a renewed lease lasts on the database's clock.
    public var leaseTTL: Duration

    public init(database: PostgresURL, nodeId: String, signalURL: String? = nil, capacity: Int = 0,
                leaseTTL: Duration = .seconds(5)) {
        self.database = database
        self.nodeId = nodeId
        self.signalURL = signalURL
        self.capacity = capacity
        self.leaseTTL = leaseTTL
    }

    /// Renewed this often: five chances within a TTL.
    public var renewInterval: Duration { leaseTTL / 5 }
    /// A node whose last successful renewal was *sent* this long ago stops serving. The database extended the lease
    /// from a moment after the send, so this is at least a fifth of the TTL before anyone may take its rooms.
    public var fenceAfter: Duration { leaseTTL * 4 / 5 }
    /// How long a server-API call waits for the owner's answer.
    public var commandTimeout: Duration { .seconds(3) }

    var leaseTTLMilliseconds: Int64 { leaseTTL.milliseconds }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
