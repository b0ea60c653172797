import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import Synchronization
import TrtcCore

/// An entry that needs the cluster to say where its room lives (the room is not on this node now).
struct PlacementJob: Sendable {
    let admission: Admission
    let session: SignalingSession
}

/// A room this node owns, as the placement that gave it to this node said: released with exactly this claim.
struct RoomClaim: Sendable, Equatable {
    var incarnation: UUID
    var epoch: Int64
}

/// What the signaling path, the room table and the server API ask of the cluster. Answers from memory where it can
/// (am I serving?), queues work for `ClusterService` where it needs the database (placements, releases), and runs
/// server-API forwarding for the caller. Lease state is written by ClusterService alone.
final class ClusterNode: Sendable {
    let configuration: ClusterConfiguration
    let logger: Logger
    /// The database client in use; replaced when statements hang (a link that drops packets without a reset leaves
    /// connections waiting for ever: a new client's connections are the way out).
    private let stores: NIOLockedValueBox<ClusterStore>
    var store: ClusterStore { stores.withLockedValue { $0 } }
    /// Set when a new client is wanted; `resetWakeup` wakes the client runner.
    let resetPending = Atomic<Bool>(false)
    let resetWakeup = Wakeup()
    /// Monotonic ms (suspend included) when the lease statement in flight was sent; 0 when none is.
    let leaseStatementSentMs = Atomic<Int64>(0)
    /// The same for the command executor's statement (a claim after PostgreSQL restarted can wait on a connection
    /// the restart closed, and the executor would claim nothing more).
    let commandStatementSentMs = Atomic<Int64>(0)
    /// Monotonic ms (including suspend) until which this node may admit; 0 without a lease.
    private let servingUntilMs = Atomic<Int64>(0)
    private let currentIncarnation = NIOLockedValueBox<UUID?>(nil)
    /// SIGUSR1 or the admin call: no new placements here; existing rooms go on and end by themselves.
    let isDraining = Atomic<Bool>(false)
    let placements: AsyncStream<PlacementJob>.Continuation
    let placementJobs: AsyncStream<PlacementJob>
    let releases: AsyncStream<(RoomKey, RoomClaim)>.Continuation
    let releaseJobs: AsyncStream<(RoomKey, RoomClaim)>
    /// Command results awaited by server-API calls made here, woken by `result ID` notifications; and the ids of the
    /// latest results nobody waited for yet (a result can be notified before its caller has its id back).
    private struct ResultWaits {
        var waiters: [Int64: Wakeup] = [:]
        var unclaimed: [Int64] = []
        static let unclaimedKept = 256
    }
    private let resultWaits = NIOLockedValueBox(ResultWaits())
    /// The last view of the nodes table (refreshed by the lease loop), for /healthz.
    let lastView = NIOLockedValueBox<[ClusterNodeRecord]>([])

    init(configuration: ClusterConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let client = PostgresClient(configuration: try configuration.database.clientConfiguration(), backgroundLogger: logger)
        self.stores = NIOLockedValueBox(ClusterStore(client: client, logger: logger))
        (placementJobs, placements) = AsyncStream.makeStream(of: PlacementJob.self)
        (releaseJobs, releases) = AsyncStream.makeStream(of: (RoomKey, RoomClaim).self)
    }

    var nodeId: String { configuration.nodeId }

    /// Draining on (no new rooms placed here from the next renewal on; the rooms here go on until they end) or off.
    func setDraining(_ draining: Bool, by whom: String) {
        guard isDraining.exchange(draining, ordering: .relaxed) != draining else { return }
        logger.notice(draining ? "cluster: draining (\(whom)): no new rooms are placed on this node"
                               : "cluster: serving again (\(whom)): new rooms may be placed on this node")
    }

    /// Asks the client runner for a new database client (the current one's statements hang).
    func requestReset() {
        if !resetPending.exchange(true, ordering: .relaxed) { resetWakeup.signal() }
    }

    /// A new client; the old one's `run()` was cancelled, which failed whatever still waited on it.
    func replaceStore() throws {
        let client = PostgresClient(configuration: try configuration.database.clientConfiguration(), backgroundLogger: logger)
        stores.withLockedValue { $0 = ClusterStore(client: client, logger: logger) }
    }
    var incarnation: UUID? { currentIncarnation.withLockedValue { $0 } }

    /// May this node admit members and forward media now? Checked on every entry, so a node that was stopped
    /// (SIGSTOP, a suspended VM) refuses at once when it runs again, before its watchdog fences it.
    var isServing: Bool { MonotonicClock.millisecondsIncludingSuspend < servingUntilMs.load(ordering: .relaxed) }

    var leaseRemainingMs: Int64 {
        max(0, servingUntilMs.load(ordering: .relaxed) - MonotonicClock.millisecondsIncludingSuspend)
    }

    /// Called by ClusterService whenever the lease state changed.
    func leaseChanged(_ lease: LeaseState) {
        currentIncarnation.withLockedValue { $0 = lease.incarnation }
        servingUntilMs.store(lease.servingUntilMs, ordering: .relaxed)
    }

    /// /healthz's `cluster` object: this node's lease and the cluster as last seen (refreshed every few seconds).
    var health: JSONValue {
        let serving = isServing
        return .object([
            "node": .string(nodeId),
            "incarnation": incarnation.map { .string($0.uuidString.lowercased()) } ?? .null,
            "lease": .string(serving ? "held" : "none"),
            "leaseRemainingMs": .integer(leaseRemainingMs),
            "state": .string(isDraining.load(ordering: .relaxed) ? "draining" : "serving"),
            "nodes": .array(lastView.withLockedValue { $0 }.map(\.json)),
        ])
    }

    // MARK: server API at any node

    enum Command: String, Sendable { case removeUsers, dismiss }

    /// Runs a server-API command on the room's owner: RoomNotExist when no live node owns the room; an error when
    /// the owner does not answer within `commandTimeout` (it may have died: its lease then ends and the room is gone).
    func forward(_ command: Command, room key: RoomKey, userIds: [String] = []) async throws(APIError) -> RoomRegistry.APIOutcome {
        let body = JSONCoding.print(.object([
            "sdkAppId": .integer(Int64(key.sdkAppId)), "room": .string(key.clusterKey),
            "userIds": .array(userIds.map { .string($0) }),
        ]))
        let id: Int64
        do {
            guard let queued = try await store.sendCommand(key.clusterKey, sdkAppId: key.sdkAppId, kind: command.rawValue,
                                                           body: body, me: nodeId) else { return .roomNotExist }
            id = queued
        } catch {
            logger.error("cluster: cannot queue a command", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError("InternalError", "the cluster database is not reachable")
        }
        let wakeup = Wakeup()
        let notifiedAlready = resultWaits.withLockedValue { waits in
            waits.waiters[id] = wakeup
            return waits.unclaimed.contains(id)
        }
        defer { _ = resultWaits.withLockedValue { $0.waiters.removeValue(forKey: id) } }
        let deadline = ContinuousClock.now + configuration.commandTimeout
        // The owner needs a round trip or two: ask the table once it says it is done (or after the first poll
        // interval), not at once, which would cost a statement that almost never finds the result.
        if !notifiedAlready { await wakeup.wait(upTo: .milliseconds(250)) }
        while ContinuousClock.now < deadline {
            if let state = try? await store.commandState(id) {
                if let result = state.result {
                    guard case .object(let fields)? = try? JSONCoding.parse(result), case .string(let outcome)? = fields["outcome"] else {
                        throw APIError("InternalError", "the room's node answered \(result.prefix(200))")
                    }
                    return outcome == "done" ? .done : .roomNotExist
                }
                // The owner's lease ended before it answered: it is gone, and so are its rooms.
                if !state.ownerLive { return .roomNotExist }
            }
            // Woken by the owner's notification, or polls again after 250 ms (a notification is lost when the
            // listening connection is).
            await wakeup.wait(upTo: .milliseconds(250))
        }
        throw APIError("InternalError", "the node that owns the room did not answer within \(configuration.commandTimeout)")
    }

    /// A `result ID` notification arrived.
    func resultReady(_ id: Int64) {
        let waiter = resultWaits.withLockedValue { waits -> Wakeup? in
            if let waiter = waits.waiters[id] { return waiter }
            // Every node hears every result: keep only the latest few, for a caller still waiting for its statement.
            waits.unclaimed.append(id)
            if waits.unclaimed.count > ResultWaits.unclaimedKept { waits.unclaimed.removeFirst(waits.unclaimed.count / 2) }
            return nil
        }
        waiter?.signal()
    }
}

/// A one-shot-at-a-time wake-up: `wait` returns when `signal` was called (before or during the wait) or after the
/// time given. The waiting side is always resumed by one of the two, never by cancellation.
final class Wakeup: Sendable {
    private struct State {
        var signaled = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = NIOLockedValueBox(State())

    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLockedValue { state in
            guard let waiter = state.waiter else {
                state.signaled = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    func wait(upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let now: Bool = self.state.withLockedValue { state in
                        if state.signaled {
                            state.signaled = false
                            return true
                        }
                        state.waiter = continuation
                        return false
                    }
                    if now { continuation.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.signal()
            }
            await group.next()
            group.cancelAll()
        }
        // A timer's signal that found nobody waiting must not wake the next wait at once.
        state.withLockedValue { $0.signaled = false }
    }
}
