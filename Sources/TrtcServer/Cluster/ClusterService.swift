import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle
import TrtcCore
import UnixSignals

/// Cluster mode's long-running part: the PostgreSQL client, the schema, the lease (register, renew every
/// `renewInterval`, fence when it cannot), placements of entries, releases of emptied rooms, and the server-API
/// commands other nodes send this one (LISTEN/NOTIFY, with a scan of the backlog as the fallback).
struct ClusterService: Service {
    let node: ClusterNode
    let registry: RoomRegistry
    let metrics: ServerMetrics
    /// This node's signaling URL, known once the listener is bound (its port may have been 0).
    let signalURL: @Sendable () async -> String?
    let mediaAddress: @Sendable () -> String
    let logger: Logger

    private var store: ClusterStore { node.store }
    private var configuration: ClusterConfiguration { node.configuration }

    func run() async throws {
        let lease = NIOLockedValueBox(LeaseState(fenceAfterMs: configuration.fenceAfter.milliseconds))
        let (scans, scanRequests) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (notified, notifiedCommands) = AsyncStream.makeStream(of: ClaimedCommand.self)
        let ledger = NIOLockedValueBox(CommandLedger())
        await withDiscardingTaskGroup { group in
            group.addTask { await runClients() }
            guard let url = await signalURL() else {
                group.cancelAll()
                return
            }
            logger.info("cluster: node \(node.nodeId) at \(url); database \(configuration.database)")
            guard await migrate() else {
                group.cancelAll()
                return
            }
            group.addTask { await keepLease(lease, signalURL: url, scanRequests: scanRequests, ledger: ledger) }
            group.addTask { await watchLease(lease, scanRequests: scanRequests) }
            group.addTask { await listen(scanRequests: scanRequests, notifiedCommands: notifiedCommands) }
            group.addTask { await executeCommands(scans, ledger: ledger) }
            group.addTask { await executeNotifiedCommands(notified, ledger: ledger) }
            group.addTask { await placeEntries() }
            group.addTask { await releaseRooms() }
            group.addTask { await drainOnSignal() }
            try? await gracefulShutdown()
            // The members were told already (RoomService shuts down first): give the rooms up now rather than after
            // the TTL, so that the clients reconnecting elsewhere find them free.
            if let incarnation = lease.withLockedValue({ $0.incarnation }) {
                try? await store.resign(nodeId: node.nodeId, incarnation: incarnation)
            }
            node.placements.finish()
            node.releases.finish()
            notifiedCommands.finish()
            group.cancelAll()
        }
    }

    /// Runs the database client; when a reset is asked for, cancels it (failing the statements that hang on it)
    /// and runs a new one.
    private func runClients() async {
        while !Task.isCancelled {
            let current = node.store
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await current.client.run() }
                group.addTask {
                    while !Task.isCancelled && !node.resetPending.load(ordering: .relaxed) {
                        await node.resetWakeup.wait(upTo: .seconds(60))
                    }
                }
                await group.next()
                group.cancelAll()
            }
            guard node.resetPending.exchange(false, ordering: .relaxed), !Task.isCancelled else { return }
            metrics.clusterDatabaseErrors.increment()
            logger.warning("cluster: database statements hang; connecting anew")
            do {
                try node.replaceStore()
            } catch {
                logger.critical("cluster: cannot make a database client: \(error)")
                return
            }
        }
    }

    private func migrate() async -> Bool {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let applied = try await ClusterSchema.migrate(store.client, logger: logger)
                if !applied.isEmpty { logger.notice("cluster: schema migrated to version \(ClusterSchema.latestVersion)") }
                return true
            } catch let error as ServerSetupError {
                logger.critical("cluster: \(error)")
                return false
            } catch {
                logger.error("cluster: cannot migrate the schema yet", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        return false
    }

    // MARK: lease

    private func keepLease(_ lease: NIOLockedValueBox<LeaseState>, signalURL: String,
                           scanRequests: AsyncStream<Void>.Continuation, ledger: NIOLockedValueBox<CommandLedger>) async {
        var ticks = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let sent = MonotonicClock.millisecondsIncludingSuspend
            let draining = node.isDraining.load(ordering: .relaxed)
            node.leaseStatementSentMs.store(sent, ordering: .relaxed)
            do {
                if lease.withLockedValue({ $0.needsRegistration }) {
                    let incarnation = UUID()
                    if try await store.register(nodeId: node.nodeId, incarnation: incarnation, signalURL: signalURL,
                                                mediaAddress: mediaAddress(), capacity: configuration.capacity,
                                                draining: draining, ttlMs: configuration.leaseTTLMilliseconds) {
                        lease.withLockedValue { $0.registered(incarnation, sentMs: sent) }
                        node.leaseChanged(lease.withLockedValue { $0 })
                        metrics.clusterLeaseHeld.set(to: 1.0)
                        logger.notice("cluster: lease taken", metadata: ["node": "\(node.nodeId)", "incarnation": "\(incarnation)"])
                    } else {
                        logger.error("cluster: node id \(node.nodeId) is held by another live process; waiting for its lease to end")
                    }
                } else {
                    let stats = registry.stats
                    let incarnation = lease.withLockedValue { $0.incarnation } ?? UUID()
                    let extended = try await store.renew(nodeId: node.nodeId, incarnation: incarnation, users: stats.users,
                                                         rooms: stats.rooms, draining: draining,
                                                         ttlMs: configuration.leaseTTLMilliseconds)
                    if let action = lease.withLockedValue({ $0.renewed(extended: extended, sentMs: sent) }) { fence(action) }
                    node.leaseChanged(lease.withLockedValue { $0 })
                }
                if ticks % 5 == 0 {
                    let view = try await store.nodes()
                    node.lastView.withLockedValue { $0 = view }
                }
            } catch {
                metrics.clusterDatabaseErrors.increment()
                logger.warning("cluster: lease renewal failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            node.leaseStatementSentMs.store(0, ordering: .relaxed)
            scanRequests.yield()
            ticks += 1
            if ticks % 60 == 0 {
                try? await store.pruneCommands()
                // The table keeps a command a minute: none older can be claimed again.
                let before = MonotonicClock.millisecondsIncludingSuspend - 120_000
                ledger.withLockedValue { $0.prune(finishedBeforeMs: before) }
            }
            if ticks % 30 == 15, let incarnation = lease.withLockedValue({ $0.incarnation }) {
                if let swept = try? await store.sweepOrphans(me: node.nodeId, incarnation: incarnation,
                                                             keep: registry.claimedRoomKeys), swept > 0 {
                    logger.info("cluster: \(swept) placements that nobody entered were removed")
                }
            }
            try? await Task.sleep(for: configuration.renewInterval)
        }
    }

    /// Checks the lease against the clock ten times a second: a node that could not renew in time fences itself.
    private func watchLease(_ lease: NIOLockedValueBox<LeaseState>, scanRequests: AsyncStream<Void>.Continuation) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = MonotonicClock.millisecondsIncludingSuspend
            if let action = lease.withLockedValue({ $0.tick(nowMs: now) }) {
                node.leaseChanged(lease.withLockedValue { $0 })
                fence(action)
            }
            // A lease statement unanswered for as long as a lease may go unrenewed: its connection is as good as dead.
            let inFlight = node.leaseStatementSentMs.load(ordering: .relaxed)
            if inFlight > 0, now - inFlight > configuration.fenceAfter.milliseconds {
                node.leaseStatementSentMs.store(0, ordering: .relaxed)
                node.requestReset()
            }
            // A command statement unanswered for as long as its caller waits: the same (the new client's run fails
            // it, the executor scans again, and the unclaimed command is claimed then, once).
            let commandInFlight = node.commandStatementSentMs.load(ordering: .relaxed)
            if commandInFlight > 0, now - commandInFlight > configuration.commandTimeout.milliseconds {
                node.commandStatementSentMs.store(0, ordering: .relaxed)
                node.requestReset()
                scanRequests.yield()
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    private func fence(_ action: LeaseState.Action) {
        guard case .fence(let reason) = action else { return }
        metrics.clusterLeaseHeld.set(to: 0.0)
        metrics.clusterFences.increment()
        logger.error("cluster: fencing", metadata: ["reason": "\(reason)"])
        registry.fence(reason: reason)
    }

    /// SIGUSR1 (as `POST /admin/drain`): no new rooms here from the next renewal on (placement skips draining
    /// nodes); the rooms here go on.
    private func drainOnSignal() async {
        for await _ in await UnixSignalsSequence(trapping: .sigusr1) {
            node.setDraining(true, by: "SIGUSR1")
        }
    }

    // MARK: placements and releases

    private func placeEntries() async {
        let held = NIOLockedValueBox(HeldEntries<PlacementJob>())
        await withDiscardingTaskGroup { group in
            for await job in node.placementJobs {
                group.addTask { await place(job, held: held) }
            }
        }
    }

    private func place(_ job: PlacementJob, held: NIOLockedValueBox<HeldEntries<PlacementJob>>) async {
        do {
            let placement = try await placeOnce(job.admission.key)
            // The owner stopped renewing (killed, cut off): a redirect would send the client to a node that is most
            // likely gone, and it would come back after its back-off, missing the moment the lease ends by up to a
            // second. The entry is held here until the lease has ended, with the other entries held for that owner.
            if let suspect = placement, suspect.ownerSuspect, suspect.nodeId != node.nodeId {
                metrics.clusterEntriesHeld.increment()
                logger.info("cluster: the room's owner missed its renewals; the entry waits for its lease to end",
                            metadata: ["room": "\(job.admission.key)", "owner": "\(suspect.nodeId)",
                                       "leaseRemainingMs": "\(suspect.leaseRemainingMs)"])
                let owner = HeldEntries<PlacementJob>.Owner(nodeId: suspect.nodeId, incarnation: suspect.incarnation)
                if held.withLockedValue({ $0.hold(job, for: owner) }) {
                    await releaseHeld(for: owner, leaseRemainingMs: suspect.leaseRemainingMs, held: held)
                }
                return
            }
            finish(job, placement)
        } catch {
            failed(job, error)
        }
    }

    /// Drives the entries held for `owner`: waits until its lease has ended (asking the database once per renewal
    /// interval, at most one TTL), then places all their rooms here in one statement (`ClusterStore.placeHeld`):
    /// their members came back through this node, so no redirect and no second statement at another node follow.
    /// Rooms it did not place (the owner renewed after all; this node cannot take them) go the usual way.
    private func releaseHeld(for owner: HeldEntries<PlacementJob>.Owner, leaseRemainingMs: Int64,
                             held: NIOLockedValueBox<HeldEntries<PlacementJob>>) async {
        let holdUntil = ContinuousClock.now + configuration.leaseTTL
        var remaining = leaseRemainingMs
        while ContinuousClock.now < holdUntil, !Task.isCancelled {
            let untilEnd = Duration.milliseconds(max(0, remaining) + 20)
            try? await Task.sleep(for: min(configuration.renewInterval, untilEnd))
            // Slept past the end the database gave: no statement to ask again (the placement checks the lease anyway).
            if untilEnd <= configuration.renewInterval { break }
            guard let lease = try? await store.ownerLease(owner.nodeId, incarnation: owner.incarnation),
                  lease.suspect, lease.remainingMs > 0 else { break }
            remaining = lease.remainingMs
        }
        let jobs = held.withLockedValue { $0.take(owner) }
        var placedHere: [RoomKey: Int64] = [:]
        let incarnation = node.incarnation
        if let incarnation, node.isServing {
            do {
                placedHere = try await store.placeHeld(Array(Set(jobs.map(\.admission.key))), me: node.nodeId,
                                                       incarnation: incarnation)
            } catch {
                metrics.clusterDatabaseErrors.increment()
                logger.warning("cluster: placing held rooms failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
        await withDiscardingTaskGroup { group in
            for job in jobs {
                if let incarnation, let epoch = placedHere[job.admission.key] {
                    metrics.clusterPlacementsLocal.increment()
                    registry.enterPlaced(job.admission, session: job.session,
                                         claim: RoomClaim(incarnation: incarnation, epoch: epoch))
                } else {
                    group.addTask {
                        do {
                            finish(job, try await placeOnce(job.admission.key))
                        } catch {
                            failed(job, error)
                        }
                    }
                }
            }
        }
    }

    /// Admits the entry here, redirects it to the room's owner, or refuses it, as the placement says.
    private func finish(_ job: PlacementJob, _ placement: RoomPlacement?) {
        let seq = job.admission.seq
        guard let placement else {
            metrics.clusterPlacementsRefused.increment()
            job.session.send(.error(.refused("no cluster node can take the room now", seq: seq)))
            return
        }
        if placement.nodeId == node.nodeId, placement.incarnation == node.incarnation, node.isServing {
            metrics.clusterPlacementsLocal.increment()
            registry.enterPlaced(job.admission, session: job.session,
                                 claim: RoomClaim(incarnation: placement.incarnation, epoch: placement.epoch))
        } else if placement.nodeId == node.nodeId {
            job.session.send(.error(.refused("this node is not serving: it holds no cluster lease now", seq: seq)))
        } else {
            metrics.clusterRedirects.increment()
            job.session.send(.redirect(seq: seq, url: placement.signalURL, node: placement.nodeId))
            job.session.close()
        }
    }

    private func failed(_ job: PlacementJob, _ error: any Error) {
        metrics.clusterDatabaseErrors.increment()
        logger.warning("cluster: placement failed", metadata: ["error": "\(String(reflecting: error))"])
        job.session.send(.error(.refused("the cluster database is not reachable", seq: job.admission.seq)))
    }

    /// One placement; nil once can mean a concurrent first placement committed after the statement's snapshot, so
    /// it asks again (three statements at most).
    private func placeOnce(_ key: RoomKey) async throws -> RoomPlacement? {
        for _ in 0..<3 {
            guard let incarnation = node.incarnation, node.isServing else { return nil }
            if let placement = try await store.place(key.clusterKey, sdkAppId: key.sdkAppId, me: node.nodeId,
                                                     incarnation: incarnation) {
                return placement
            }
        }
        return nil
    }

    private func releaseRooms() async {
        for await (key, claim) in node.releaseJobs {
            do {
                try await store.release(key.clusterKey, sdkAppId: key.sdkAppId, me: node.nodeId,
                                        incarnation: claim.incarnation, epoch: claim.epoch)
            } catch {
                // The row stays: the room is re-placed (or re-claimed here) on its next entry, or dies with the lease.
                metrics.clusterDatabaseErrors.increment()
                logger.warning("cluster: release failed", metadata: ["room": "\(key)", "error": "\(String(reflecting: error))"])
            }
        }
    }

    // MARK: commands

    /// Holds one pooled connection in LISTEN: `run INCARNATION …` is a command for this node to run at once,
    /// `command NODE` wakes the command scan, `result ID` the caller waiting for it. When the connection is lost
    /// (a restart, pg_terminate_backend) it listens again and scans the backlog, since notifications sent meanwhile
    /// are gone.
    private func listen(scanRequests: AsyncStream<Void>.Continuation,
                        notifiedCommands: AsyncStream<ClaimedCommand>.Continuation) async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await store.client.withConnection { connection in
                    try await connection.listen(on: ClusterStore.channel) { notifications in
                        scanRequests.yield()
                        for try await notification in notifications {
                            switch ClusterNotification(payload: notification.payload) {
                            case .run(let incarnation, let command) where incarnation == node.incarnation:
                                notifiedCommands.yield(command)
                            case .scan(let nodeId) where nodeId == node.nodeId:
                                scanRequests.yield()
                            case .result(let id):
                                node.resultReady(id)
                            default:
                                continue
                            }
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                metrics.clusterDatabaseErrors.increment()
                logger.warning("cluster: listening connection lost", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Claims this node's commands and runs them on the local rooms: each is claimed once (FOR UPDATE SKIP LOCKED),
    /// and RemoveUser/DismissRoom are idempotent, so a command is never run twice nor lost while this node lives.
    private func executeCommands(_ scans: AsyncStream<Void>, ledger: NIOLockedValueBox<CommandLedger>) async {
        /// When the scan in flight began (monotonic ms; 0: none) and whether a request came while it ran.
        struct Scanning { var startedMs: Int64 = 0; var again = false }
        let scanning = NIOLockedValueBox(Scanning())
        let hungAfterMs = configuration.commandTimeout.milliseconds
        await withDiscardingTaskGroup { group in
            for await _ in scans {
                let now = MonotonicClock.millisecondsIncludingSuspend
                // One scan at a time (it runs again if asked meanwhile), unless the one in flight has hung past the
                // command timeout: after PostgreSQL restarted a claim was seen waiting for ever, even once the
                // watchdog had replaced the database client, so a new scan runs beside it on the new client.
                // Concurrent scans are safe: each command is claimed once (SKIP LOCKED).
                let begin = scanning.withLockedValue { state in
                    if state.startedMs != 0 && now - state.startedMs < hungAfterMs {
                        state.again = true
                        return false
                    }
                    state = Scanning(startedMs: now, again: false)
                    return true
                }
                guard begin else { continue }
                group.addTask {
                    repeat {
                        await scanCommands(ledger)
                    } while scanning.withLockedValue { state in
                        guard state.startedMs == now else { return false }
                        if state.again {
                            state.again = false
                            return true
                        }
                        state.startedMs = 0
                        return false
                    }
                }
            }
        }
    }

    private func scanCommands(_ ledger: NIOLockedValueBox<CommandLedger>) async {
        guard let incarnation = node.incarnation else { return }
        defer { node.commandStatementSentMs.store(0, ordering: .relaxed) }
        do {
            while true {
                node.commandStatementSentMs.store(MonotonicClock.millisecondsIncludingSuspend, ordering: .relaxed)
                let claimed = try await store.claimCommands(me: node.nodeId, incarnation: incarnation)
                node.commandStatementSentMs.store(0, ordering: .relaxed)
                if claimed.isEmpty { break }
                for command in claimed {
                    // Its notification may have run it already (then only its result is stored here), or be running it.
                    guard let outcome = await run(command, ledger) else { continue }
                    node.commandStatementSentMs.store(MonotonicClock.millisecondsIncludingSuspend, ordering: .relaxed)
                    try await store.completeCommand(command.id, result: Self.result(outcome))
                    node.commandStatementSentMs.store(0, ordering: .relaxed)
                }
            }
        } catch {
            metrics.clusterDatabaseErrors.increment()
            logger.warning("cluster: command scan failed", metadata: ["error": "\(String(reflecting: error))"])
        }
    }

    /// Runs the commands that came in their notification, each at once (no claim first: the member's ExitRoom is one
    /// database round trip after the caller's statement), then stores the result. A result that cannot be stored
    /// is stored by the next scan, from the ledger, without running the command again.
    private func executeNotifiedCommands(_ commands: AsyncStream<ClaimedCommand>, ledger: NIOLockedValueBox<CommandLedger>) async {
        await withDiscardingTaskGroup { group in
            for await command in commands {
                group.addTask {
                    guard let outcome = await run(command, ledger) else { return }
                    do {
                        try await store.completeCommand(command.id, result: Self.result(outcome))
                    } catch {
                        metrics.clusterDatabaseErrors.increment()
                        logger.warning("cluster: command result not stored", metadata: ["error": "\(String(reflecting: error))"])
                    }
                }
            }
        }
    }

    /// Runs the command unless the ledger says another path did or does: its outcome to store, nil when the other
    /// path stores it.
    private func run(_ command: ClaimedCommand, _ ledger: NIOLockedValueBox<CommandLedger>) async -> String? {
        switch ledger.withLockedValue({ $0.start(command.id, nowMs: MonotonicClock.millisecondsIncludingSuspend) }) {
        case .running:
            return nil
        case .done(let outcome):
            return outcome
        case .run:
            let outcome = await execute(command)
            metrics.clusterCommandsExecuted.increment()
            ledger.withLockedValue { $0.finish(command.id, outcome: outcome, nowMs: MonotonicClock.millisecondsIncludingSuspend) }
            return outcome
        }
    }

    private static func result(_ outcome: String) -> String {
        JSONCoding.print(.object(["outcome": .string(outcome)]))
    }

    private func execute(_ command: ClaimedCommand) async -> String {
        guard case .object(let body)? = try? JSONCoding.parse(command.body),
              case .integer(let app)? = body["sdkAppId"], let sdkAppId = UInt32(exactly: app),
              case .string(let room)? = body["room"], let key = RoomKey(sdkAppId: sdkAppId, clusterKey: room) else {
            return "invalid"
        }
        let outcome: RoomRegistry.APIOutcome
        switch ClusterNode.Command(rawValue: command.kind) {
        case .removeUsers:
            guard case .array(let items)? = body["userIds"] else { return "invalid" }
            let userIds = items.compactMap { item -> String? in if case .string(let id) = item { id } else { nil } }
            outcome = await registry.removeUsers(userIds, from: key)
        case .dismiss:
            outcome = await registry.dismiss(key)
        case nil:
            return "invalid"
        }
        return outcome == .done ? "done" : "roomNotExist"
    }
}
