import Foundation
import Logging
import PostgresNIO
import TrtcCore

/// Where a room lives, as the placement statement answered.
struct RoomPlacement: Sendable, Equatable {
    var nodeId: String
    var incarnation: UUID
    /// Bumped by every placement that (re)claims the row; a release deletes only the epoch it knows, so a release
    /// racing a new local entry cannot delete the row that entry relies on.
    var epoch: Int64
    var signalURL: String
    /// The owner has missed two renewals in a row (`ClusterStore.suspect`): most likely dead.
    var ownerSuspect: Bool = false
    /// Milliseconds of the owner's lease left on the database's clock.
    var leaseRemainingMs: Int64 = 0
}

/// One row of the nodes table, as `trtcctl server nodes` and /healthz show it.
public struct ClusterNodeRecord: Sendable, Equatable {
    public var nodeId: String
    public var incarnation: UUID
    public var signalURL: String
    public var mediaAddress: String
    public var state: String
    public var capacity: Int
    public var users: Int
    public var rooms: Int
    /// Milliseconds of lease left on the database's clock; negative once expired.
    public var leaseRemainingMs: Int64
    public var isLive: Bool { leaseRemainingMs > 0 }

    var json: JSONValue {
        .object([
            "node": .string(nodeId), "signalURL": .string(signalURL), "media": .string(mediaAddress),
            "state": .string(state), "capacity": .integer(Int64(capacity)), "users": .integer(Int64(users)),
            "rooms": .integer(Int64(rooms)), "live": .bool(isLive), "leaseRemainingMs": .integer(leaseRemainingMs),
        ])
    }
}

/// A server-API command as the owner claimed it.
struct ClaimedCommand: Sendable, Equatable {
    var id: Int64
    var kind: String
    var body: String
}

/// The cluster's SQL, one statement per operation (each consumed, so errors surface). All lease comparisons use the
/// database's `now()`, never a node's clock.
struct ClusterStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// The one notification channel: payloads `command NODE` (work for NODE) and `result ID` (command ID is done).
    static let channel = "trtc_cluster"

    /// SQL, true for a node row `n` that has missed two renewals in a row (each node renews every fifth of its own
    /// TTL, and `lease_until - renewed_at` is that TTL): a node that died, or that lost the database, a few seconds
    /// before its lease ends. Only a hint for placement: nobody takes its rooms before `lease_until`.
    static let suspect = "(n.renewed_at < now() - (n.lease_until - n.renewed_at) * 0.4)"

    // MARK: nodes

    /// Takes the node's row for `incarnation` unless another live process holds it (same node id twice).
    func register(nodeId: String, incarnation: UUID, signalURL: String, mediaAddress: String, capacity: Int,
                  draining: Bool, ttlMs: Int64) async throws -> Bool {
        let state = draining ? "draining" : "serving"
        let rows = try await client.query("""
            INSERT INTO trtc_node (node_id, incarnation, signal_url, media_addr, state, capacity, lease_until, renewed_at,
                                   started_at)
            VALUES (\(nodeId), \(incarnation), \(signalURL), \(mediaAddress), \(state), \(capacity),
                    now() + make_interval(secs => \(Double(ttlMs) / 1000)), now(), now())
            ON CONFLICT (node_id) DO UPDATE SET incarnation = excluded.incarnation, signal_url = excluded.signal_url,
                media_addr = excluded.media_addr, state = excluded.state, capacity = excluded.capacity,
                num_users = 0, num_rooms = 0, lease_until = excluded.lease_until, renewed_at = now(), started_at = now()
            WHERE trtc_node.lease_until <= now() OR trtc_node.incarnation = excluded.incarnation
            RETURNING node_id
            """, logger: logger)
        var taken = false
        for try await _ in rows { taken = true }
        return taken
    }

    /// Extends the lease and reports the load; false when the database no longer has this incarnation's lease.
    func renew(nodeId: String, incarnation: UUID, users: Int, rooms: Int, draining: Bool, ttlMs: Int64) async throws -> Bool {
        let state = draining ? "draining" : "serving"
        let rows = try await client.query("""
            UPDATE trtc_node SET lease_until = now() + make_interval(secs => \(Double(ttlMs) / 1000)), renewed_at = now(),
                num_users = \(users), num_rooms = \(rooms), state = \(state)
            WHERE node_id = \(nodeId) AND incarnation = \(incarnation) AND lease_until > now()
            RETURNING node_id
            """, logger: logger)
        var extended = false
        for try await _ in rows { extended = true }
        return extended
    }

    /// Gives the lease up at once (graceful shutdown): its rooms may be placed elsewhere without waiting for the TTL.
    func resign(nodeId: String, incarnation: UUID) async throws {
        try await client.query("""
            UPDATE trtc_node SET lease_until = now() WHERE node_id = \(nodeId) AND incarnation = \(incarnation)
            """, logger: logger).consume()
    }

    func nodes() async throws -> [ClusterNodeRecord] {
        let rows = try await client.query("""
            SELECT node_id, incarnation, signal_url, media_addr, state, capacity, num_users, num_rooms,
                   (extract(epoch FROM (lease_until - now())) * 1000)::bigint
            FROM trtc_node ORDER BY node_id
            """, logger: logger)
        var records: [ClusterNodeRecord] = []
        for try await (id, incarnation, url, media, state, capacity, users, rooms, remaining) in rows.decode(
            (String, UUID, String, String, String, Int, Int, Int, Int64).self) {
            records.append(ClusterNodeRecord(nodeId: id, incarnation: incarnation, signalURL: url, mediaAddress: media,
                                             state: state, capacity: capacity, users: users, rooms: rooms,
                                             leaseRemainingMs: remaining))
        }
        return records
    }

    // MARK: rooms

    /// Places the room in one statement: an existing live owner keeps it; otherwise the less loaded of two random
    /// live, serving, not-full nodes takes it (or this node re-claims its own row, bumping the epoch); nodes that
    /// renew on time are chosen before suspect ones (a node that just died must not get new rooms while its lease
    /// runs out). nil: no node can take it, or a concurrent first placement committed after this statement's
    /// snapshot (ask again).
    func place(_ room: String, sdkAppId: UInt32, me: String, incarnation: UUID) async throws -> RoomPlacement? {
        let app = Int64(sdkAppId)
        let rows = try await client.query("""
            WITH candidates AS (
                SELECT node_id, incarnation, num_users, num_rooms, capacity, \(unescaped: Self.suspect) AS suspect
                FROM trtc_node n
                WHERE lease_until > now() AND state = 'serving' AND (capacity = 0 OR num_users < capacity)
                ORDER BY suspect, random() LIMIT 2
            ), chosen AS (
                SELECT node_id, incarnation FROM candidates
                ORDER BY suspect, (num_users::float8 / greatest(capacity, 1)), num_rooms LIMIT 1
            ), placed AS (
                INSERT INTO trtc_room (sdk_app_id, room_key, node_id, incarnation, epoch, placed_at)
                SELECT \(app), \(room), node_id, incarnation, 1, now() FROM chosen
                ON CONFLICT (sdk_app_id, room_key) DO UPDATE SET
                    node_id = CASE WHEN trtc_room.node_id = \(me) AND trtc_room.incarnation = \(incarnation)
                                   THEN trtc_room.node_id ELSE excluded.node_id END,
                    incarnation = CASE WHEN trtc_room.node_id = \(me) AND trtc_room.incarnation = \(incarnation)
                                       THEN trtc_room.incarnation ELSE excluded.incarnation END,
                    epoch = trtc_room.epoch + 1, placed_at = now()
                WHERE (trtc_room.node_id = \(me) AND trtc_room.incarnation = \(incarnation))
                   OR NOT EXISTS (SELECT 1 FROM trtc_node n WHERE n.node_id = trtc_room.node_id
                                  AND n.incarnation = trtc_room.incarnation AND n.lease_until > now())
                RETURNING node_id, incarnation, epoch
            )
            SELECT p.node_id, p.incarnation, p.epoch, n.signal_url, \(unescaped: Self.suspect),
                   (extract(epoch FROM (n.lease_until - now())) * 1000)::bigint
            FROM placed p JOIN trtc_node n ON n.node_id = p.node_id
            UNION ALL
            SELECT r.node_id, r.incarnation, r.epoch, n.signal_url, \(unescaped: Self.suspect),
                   (extract(epoch FROM (n.lease_until - now())) * 1000)::bigint
            FROM trtc_room r
                JOIN trtc_node n ON n.node_id = r.node_id AND n.incarnation = r.incarnation AND n.lease_until > now()
            WHERE r.sdk_app_id = \(app) AND r.room_key = \(room) AND NOT EXISTS (SELECT 1 FROM placed)
            """, logger: logger)
        var placement: RoomPlacement?
        for try await (node, owner, epoch, url, suspect, remaining) in rows.decode((String, UUID, Int64, String, Bool, Int64).self) {
            placement = RoomPlacement(nodeId: node, incarnation: owner, epoch: epoch, signalURL: url, ownerSuspect: suspect,
                                      leaseRemainingMs: remaining)
        }
        return placement
    }

    /// Places the rooms held for a dead owner on this node, in one statement: each row that no live incarnation holds
    /// (its owner's lease has ended, or it is gone) becomes this node's, unless this node is not serving, draining or
    /// full. Answers the rooms placed here with their epochs; any other room (its owner renewed after all, another
    /// node was first) is placed by the one-room statement.
    func placeHeld(_ rooms: [RoomKey], me: String, incarnation: UUID) async throws -> [RoomKey: Int64] {
        let apps = rooms.map { Int64($0.sdkAppId) }
        let keys = rooms.map(\.clusterKey)
        let rows = try await client.query("""
            WITH wanted AS (
                SELECT DISTINCT a AS sdk_app_id, k AS room_key FROM unnest(\(apps)::bigint[], \(keys)::text[]) AS w(a, k)
            )
            INSERT INTO trtc_room (sdk_app_id, room_key, node_id, incarnation, epoch, placed_at)
            SELECT sdk_app_id, room_key, \(me), \(incarnation), 1, now() FROM wanted
            WHERE EXISTS (SELECT 1 FROM trtc_node n WHERE n.node_id = \(me) AND n.incarnation = \(incarnation)
                          AND n.lease_until > now() AND n.state = 'serving' AND (n.capacity = 0 OR n.num_users < n.capacity))
            ON CONFLICT (sdk_app_id, room_key) DO UPDATE SET
                node_id = excluded.node_id, incarnation = excluded.incarnation, epoch = trtc_room.epoch + 1, placed_at = now()
            WHERE (trtc_room.node_id = \(me) AND trtc_room.incarnation = \(incarnation))
               OR NOT EXISTS (SELECT 1 FROM trtc_node n WHERE n.node_id = trtc_room.node_id
                              AND n.incarnation = trtc_room.incarnation AND n.lease_until > now())
            RETURNING sdk_app_id, room_key, epoch
            """, logger: logger)
        var placed: [RoomKey: Int64] = [:]
        for try await (app, key, epoch) in rows.decode((Int64, String, Int64).self) {
            guard let sdkAppId = UInt32(exactly: app), let room = RoomKey(sdkAppId: sdkAppId, clusterKey: key) else { continue }
            placed[room] = epoch
        }
        return placed
    }

    /// The lease of `nodeId` as `incarnation`, for entries held for it: milliseconds left on the database's clock
    /// and whether it is still suspect; nil once that incarnation is gone.
    func ownerLease(_ nodeId: String, incarnation: UUID) async throws -> (remainingMs: Int64, suspect: Bool)? {
        let rows = try await client.query("""
            SELECT (extract(epoch FROM (n.lease_until - now())) * 1000)::bigint, \(unescaped: Self.suspect)
            FROM trtc_node n WHERE n.node_id = \(nodeId) AND n.incarnation = \(incarnation)
            """, logger: logger)
        var lease: (Int64, Bool)?
        for try await (remaining, suspect) in rows.decode((Int64, Bool).self) { lease = (remaining, suspect) }
        return lease
    }

    /// The room emptied: its row goes, unless a later placement (a newer epoch) or another node has it.
    func release(_ room: String, sdkAppId: UInt32, me: String, incarnation: UUID, epoch: Int64) async throws {
        try await client.query("""
            DELETE FROM trtc_room WHERE sdk_app_id = \(Int64(sdkAppId)) AND room_key = \(room)
                AND node_id = \(me) AND incarnation = \(incarnation) AND epoch = \(epoch)
            """, logger: logger).consume()
    }

    /// Rows this incarnation owns for rooms it does not have (placed here by another node's statement for an entry
    /// that never followed its redirect) go once they are 30 s old; `keep`: `SDKAPPID/ROOMKEY` of the rooms here.
    @discardableResult
    func sweepOrphans(me: String, incarnation: UUID, keep: [String]) async throws -> Int {
        let rows = try await client.query("""
            DELETE FROM trtc_room WHERE node_id = \(me) AND incarnation = \(incarnation)
                AND placed_at < now() - interval '30 seconds'
                AND NOT ((sdk_app_id::text || '/' || room_key) = ANY(\(keep)))
            RETURNING room_key
            """, logger: logger)
        var swept = 0
        for try await _ in rows { swept += 1 }
        return swept
    }

    // MARK: commands

    /// Queues a server-API command for the room's live owner (unless that is this node) and wakes it, in one
    /// statement (NOTIFY is delivered at its commit). The notification carries the command itself (`run …`), so
    /// that the owner runs it without claiming it first; a body too long for a notification is claimed by a scan
    /// (`command NODE`). nil: no live owner elsewhere, so the room does not exist.
    func sendCommand(_ room: String, sdkAppId: UInt32, kind: String, body: String, me: String) async throws -> Int64? {
        let rows = try await client.query("""
            WITH target AS (
                SELECT r.node_id, r.incarnation FROM trtc_room r
                JOIN trtc_node n ON n.node_id = r.node_id AND n.incarnation = r.incarnation AND n.lease_until > now()
                WHERE r.sdk_app_id = \(Int64(sdkAppId)) AND r.room_key = \(room) AND r.node_id <> \(me)
            ), queued AS (
                INSERT INTO trtc_command (target_node, target_incarnation, origin_node, kind, body)
                SELECT node_id, incarnation, \(me), \(kind), \(body)::jsonb FROM target
                RETURNING id, target_node, target_incarnation, kind, body::text AS body
            )
            SELECT id, pg_notify('\(unescaped: Self.channel)',
                                 CASE WHEN octet_length(body) <= \(unescaped: String(ClusterNotification.maxBodyBytes))
                                      THEN 'run ' || target_incarnation::text || ' ' || id::text || ' ' || kind || ' ' || body
                                      ELSE 'command ' || target_node END)::text
            FROM queued
            """, logger: logger)
        var id: Int64?
        for try await (queued, _) in rows.decode((Int64, String).self) { id = queued }
        return id
    }

    /// The command's result once the owner stored it, and whether its owner still holds the lease it was sent to.
    func commandState(_ id: Int64) async throws -> (result: String?, ownerLive: Bool) {
        let rows = try await client.query("""
            SELECT c.result::text, coalesce(n.incarnation = c.target_incarnation AND n.lease_until > now(), false)
            FROM trtc_command c LEFT JOIN trtc_node n ON n.node_id = c.target_node WHERE c.id = \(id)
            """, logger: logger)
        var state: (String?, Bool) = (nil, false)
        for try await (result, live) in rows.decode((String?, Bool).self) { state = (result, live) }
        return state
    }

    /// Claims this incarnation's unclaimed commands (each exactly once, whoever else scans at the same time).
    func claimCommands(me: String, incarnation: UUID) async throws -> [ClaimedCommand] {
        let rows = try await client.query("""
            UPDATE trtc_command SET claimed_at = now()
            WHERE id IN (SELECT id FROM trtc_command
                         WHERE target_node = \(me) AND target_incarnation = \(incarnation) AND claimed_at IS NULL
                         ORDER BY id LIMIT 64 FOR UPDATE SKIP LOCKED)
            RETURNING id, kind, body::text
            """, logger: logger)
        var claimed: [ClaimedCommand] = []
        for try await (id, kind, body) in rows.decode((Int64, String, String).self) {
            claimed.append(ClaimedCommand(id: id, kind: kind, body: body))
        }
        return claimed.sorted { $0.id < $1.id }
    }

    /// Stores a command's result and wakes its caller, in one statement (claimed too, when the notification
    /// carried it and nobody claimed it).
    func completeCommand(_ id: Int64, result: String) async throws {
        try await client.query("""
            WITH done AS (UPDATE trtc_command SET claimed_at = coalesce(claimed_at, now()), done_at = now(),
                                                  result = \(result)::jsonb
                          WHERE id = \(id) RETURNING id)
            SELECT pg_notify('\(unescaped: Self.channel)', 'result ' || id::text) FROM done
            """, logger: logger).consume()
    }

    /// Old commands go (kept a minute for whoever still polls).
    func pruneCommands() async throws {
        try await client.query(
            "DELETE FROM trtc_command WHERE created_at < now() - interval '60 seconds'", logger: logger).consume()
    }
}

extension RoomKey {
    /// The room's key in the cluster's tables: `i:123` or `s:abc` (numeric 123 and string "123" differ).
    var clusterKey: String {
        switch room {
        case .numeric(let id): "i:\(id)"
        case .string(let id): "s:\(id)"
        }
    }

    init?(sdkAppId: UInt32, clusterKey: String) {
        if clusterKey.hasPrefix("i:"), let id = UInt32(clusterKey.dropFirst(2)) {
            self.init(sdkAppId: sdkAppId, room: .numeric(id))
        } else if clusterKey.hasPrefix("s:") {
            self.init(sdkAppId: sdkAppId, room: .string(String(clusterKey.dropFirst(2))))
        } else {
            return nil
        }
    }
}
