import Logging
import PostgresNIO

/// The cluster's tables, created and migrated by the servers themselves: each migration runs once, in order, in a
/// transaction that holds an advisory lock, so nodes starting together do not race; `trtc_schema_migrations` records
/// what ran. A node refuses to start on a schema newer than it knows.
enum ClusterSchema {
    static let migrations: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE trtc_node (
                node_id      text PRIMARY KEY,
                incarnation  uuid NOT NULL,
                signal_url   text NOT NULL,
                media_addr   text NOT NULL,
                state        text NOT NULL DEFAULT 'serving' CHECK (state IN ('serving', 'draining')),
                capacity     integer NOT NULL DEFAULT 0,
                num_users    integer NOT NULL DEFAULT 0,
                num_rooms    integer NOT NULL DEFAULT 0,
                lease_until  timestamptz NOT NULL,
                started_at   timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE trtc_room (
                sdk_app_id   bigint NOT NULL,
                room_key     text NOT NULL,
                node_id      text NOT NULL,
                incarnation  uuid NOT NULL,
                epoch        bigint NOT NULL DEFAULT 1,
                placed_at    timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (sdk_app_id, room_key)
            )
            """,
            "CREATE INDEX trtc_room_node ON trtc_room (node_id, incarnation)",
            """
            CREATE TABLE trtc_command (
                id                  bigserial PRIMARY KEY,
                target_node         text NOT NULL,
                target_incarnation  uuid NOT NULL,
                origin_node         text NOT NULL,
                kind                text NOT NULL,
                body                jsonb NOT NULL,
                created_at          timestamptz NOT NULL DEFAULT now(),
                claimed_at          timestamptz,
                done_at             timestamptz,
                result              jsonb
            )
            """,
            "CREATE INDEX trtc_command_pending ON trtc_command (target_node, id) WHERE claimed_at IS NULL",
        ]),
        // When each lease was last renewed, so that others can tell a node that stopped renewing (probably dead)
        // from one that renews on time, before its lease ends (ClusterStore.suspect).
        (2, ["ALTER TABLE trtc_node ADD COLUMN renewed_at timestamptz NOT NULL DEFAULT now()"]),
    ]

    static var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    /// Brings the database to `latestVersion`; returns the versions applied now.
    @discardableResult
    static func migrate(_ client: PostgresClient, logger: Logger) async throws -> [Int] {
        try await client.withTransaction(logger: logger) { connection in
            // Transaction-scoped: released by the COMMIT, whatever connection of the pool runs it.
            try await connection.query("SELECT pg_advisory_xact_lock(7234001313)", logger: logger).consume()
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS trtc_schema_migrations (
                    version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger).consume()
            var applied: Set<Int> = []
            for try await version in try await connection.query(
                "SELECT version FROM trtc_schema_migrations", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            if let newest = applied.max(), newest > latestVersion {
                throw ServerSetupError("the cluster database has schema version \(newest); this trtc-server knows up to \(latestVersion)")
            }
            var done: [Int] = []
            for migration in migrations.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).consume()
                }
                try await connection.query(
                    "INSERT INTO trtc_schema_migrations (version) VALUES (\(migration.version))", logger: logger).consume()
                done.append(migration.version)
            }
            return done
        }
    }
}

extension PostgresRowSequence {
    /// Reads every row: a statement's error only surfaces when its rows are consumed (research note, "Gotcha").
    func consume() async throws {
        for try await _ in self {}
    }
}
