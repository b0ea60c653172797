import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization
import TrtcCore
import TrtcTransport

/// Every room and membership, each room on its own (security finding M3): a change to one room — its members'
/// entries, publishing, role switches, departures, its removal or dismissal by the server API — never waits for
/// another room, and a room that is kept busy (many members, many changes) never holds up the event loops that the
/// other rooms' connections need.
///
/// - Each `Room` runs its changes one at a time, in the order they were asked for (`RoomOperation`s in its queue). A
///   change asked of an idle room of at most `largeRoom` members runs at once on the asking thread (an event loop, or
///   the server API's task): no hop, no wait, as cheap as taking a lock. A change asked for while another thread runs
///   the room's changes is queued for that thread, and the asking thread goes on with its other connections: it never
///   blocks on a busy room. An event loop runs a room's queue for at most `sliceBudget`; what is left then, and every
///   change of a larger room, runs on the room workers (`RoomWorkers`: threads of lower priority than the event
///   loops), a slice at a time, so that a room with a backlog slows down itself, not the connections of the event
///   loops, and busy rooms take turns.
/// - Every message a change causes is queued to the members' sessions while the change runs, so the members of a room
///   see its events in the order they happened and a new member's `entered` precedes every later event of its room.
/// - A session asks for one change at a time: its next messages wait (`SignalingMessageHandler`) until the room has
///   run the previous one, so its requests are answered in order and its membership (kept with the session, set and
///   cleared only by its room's changes) is current when its next request is looked at.
/// - `directory` maps room keys to rooms; its lock is held for a dictionary operation only. A room that loses its last
///   member, or is dismissed, is closed and leaves the directory; a change queued to it before that is asked of the
///   room that has the key now (an entry creates it anew, a server-API call finds it or none).
/// - Open connections (shutdown, the idle sweep, stats) and the per-user room-entry budget have locks of their own,
///   held for a dictionary operation.
///
/// Locks are NIO's (a plain pthread mutex): the standard library's `Mutex` is a priority-inheritance futex on Linux,
/// which under contention always sleeps in the kernel.
final class RoomRegistry: Sendable {
    enum APIOutcome: Equatable, Sendable { case done, roomNotExist }

    /// How long a thread runs one room's queued changes at a time: an event loop before it hands the rest to the room
    /// workers, a worker before it lets other busy rooms have their turn.
    static let sliceBudget = Duration.microseconds(500)
    /// Rooms with more members run every change on the room workers: one change of theirs (a message to each member)
    /// would hold an event loop too long. (TRTC's rtc scene has at most 300 members; larger rooms are live rooms.)
    static let largeRoom = 256

    /// One room: its members, and the changes waiting to run on them.
    final class Room: Sendable {
        let key: RoomKey
        /// Touched only by the thread running the room's queue (the lock orders those threads).
        let state = NIOLockedValueBox(RoomState())
        fileprivate let queue = NIOLockedValueBox(OperationQueue())
        /// Its members after its last change: a large room's changes never run on an event loop.
        fileprivate let size = Atomic<Int>(0)

        init(key: RoomKey) {
            self.key = key
        }
    }

    struct RoomState {
        var members: [String: RoomMember] = [:]
        /// Cluster mode: the placement of this room on this node, released when the room empties.
        var claim: RoomClaim?
        /// Emptied or dismissed, and gone from the directory: what is still queued asks the room of its key now.
        var isClosed = false
    }

    /// A change of a room: `body` runs with the room open; `whenClosed` instead if the room closed before its turn.
    struct RoomOperation: Sendable {
        let body: @Sendable (Room, inout RoomState) -> Void
        let whenClosed: @Sendable () -> Void
    }

    fileprivate struct OperationQueue {
        var waiting: [RoomOperation] = []
        var head = 0
        /// A thread is running the room's changes (or one is scheduled to go on).
        var isRunning = false

        mutating func next() -> RoomOperation? {
            guard head < waiting.count else {
                waiting.removeAll(keepingCapacity: waiting.capacity <= 64)
                head = 0
                return nil
            }
            defer { head += 1 }
            return waiting[head]
        }
    }

    /// A session's place in a room, kept with the session (`SignalingSession.membership`).
    struct Membership: Sendable {
        let room: Room
        let userId: String
    }

    private struct Connections {
        var sessions: [UInt64: SignalingSession] = [:]
        var isShuttingDown = false
    }

    private let configuration: ServerConfiguration
    private let metrics: ServerMetrics
    private let logger: Logger
    /// The media socket's routing table, kept in step with membership (tokens die with their session). A room's changes
    /// are queued to it as they run, so it sees each room's changes in their order.
    private let media: MediaRouter
    private let mediaEndpoint: MediaEndpoint
    private let directory = NIOLockedValueBox<[RoomKey: Room]>([:])
    /// Every open connection, in a room or not, so shutdown can tell each of them.
    private let connections = NIOLockedValueBox(Connections())
    private let roomEntries: NIOLockedValueBox<RoomEntryBudget>
    private let isShuttingDown = Atomic<Bool>(false)
    private let memberCount = Atomic<Int>(0)
    private let roomCount = Atomic<Int>(0)
    private let workers = RoomWorkers()
    /// Cluster mode: where rooms are placed and leases kept; nil on the embedded single node.
    let cluster: ClusterNode?

    init(configuration: ServerConfiguration, metrics: ServerMetrics, media: MediaRouter, mediaEndpoint: MediaEndpoint,
         logger: Logger, cluster: ClusterNode? = nil) {
        self.cluster = cluster
        self.configuration = configuration
        self.metrics = metrics
        self.media = media
        self.mediaEndpoint = mediaEndpoint
        self.logger = logger
        self.roomEntries = NIOLockedValueBox(RoomEntryBudget(perMinute: configuration.roomEntriesPerMinute))
    }

    // MARK: connections

    func register(_ session: SignalingSession) {
        let accepted = connections.withLockedValue { connections in
            guard !connections.isShuttingDown else { return false }
            connections.sessions[session.id] = session
            return true
        }
        if !accepted {
            session.send(.shutdown(message: "server is shutting down"))
            session.close(goingAway: true)
        }
    }

    /// The TCP connection is gone. A member stays until its departure timeout, so that a client that
    /// reconnects at once is not seen leaving and entering.
    func connectionClosed(_ session: SignalingSession) {
        _ = connections.withLockedValue { $0.sessions.removeValue(forKey: session.id) }
    }

    // MARK: running a room's changes

    /// Runs `operation` on the room that has `key` now (created empty if `create`), after the changes asked of it
    /// before; `missing` if there is no such room.
    private func perform(on key: RoomKey, create: Bool, missing: @escaping @Sendable () -> Void,
                         _ body: @escaping @Sendable (Room, inout RoomState) -> Void) {
        let found: Room? = directory.withLockedValue { rooms in
            if let room = rooms[key] { return room }
            guard create else { return nil }
            let room = Room(key: key)
            rooms[key] = room
            return room
        }
        guard let room = found else { return missing() }
        perform(on: room, RoomOperation(body: body, whenClosed: { [self] in
            perform(on: key, create: create, missing: missing, body)
        }))
    }

    /// Runs `operation` now if nobody runs `room`'s changes, else queues it for whoever does.
    private func perform(on room: Room, _ operation: RoomOperation) {
        let runsNow = room.queue.withLockedValue { queue in
            guard !queue.isRunning else {
                queue.waiting.append(operation)
                return false
            }
            queue.isRunning = true
            return true
        }
        guard runsNow else { return }
        if room.size.load(ordering: .relaxed) > Self.largeRoom {
            workers.submit { [self] in run(room, first: operation) }
        } else {
            run(room, first: operation)
        }
    }

    /// Runs the room's queue on this thread until it is empty or `sliceBudget` is spent; the rest goes on in the room
    /// workers (`RoomWorkers`), a slice at a time, so that a busy room never keeps an event loop from its
    /// other connections and busy rooms take turns.
    private func run(_ room: Room, first: RoomOperation?) {
        let start = ContinuousClock.now
        var next = first ?? takeNext(room)
        while let operation = next {
            let wasClosed: Bool = room.state.withLockedValue { state in
                guard !state.isClosed else { return true }
                operation.body(room, &state)
                // An entry that failed leaves the room it created empty: it goes again.
                if state.members.isEmpty { close(room, &state) }
                room.size.store(state.members.count, ordering: .relaxed)
                return false
            }
            if wasClosed { operation.whenClosed() }
            if ContinuousClock.now - start >= Self.sliceBudget, room.queue.withLockedValue({ $0.head < $0.waiting.count }) {
                workers.submit { [self] in run(room, first: nil) }
                return
            }
            next = takeNext(room)
        }
    }

    /// The next queued change, or nil: then nobody runs the room's changes any more.
    private func takeNext(_ room: Room) -> RoomOperation? {
        room.queue.withLockedValue { queue in
            let operation = queue.next()
            if operation == nil { queue.isRunning = false }
            return operation
        }
    }

    /// The room leaves the directory (its last member left, or it was dismissed).
    private func close(_ room: Room, _ state: inout RoomState) {
        state.isClosed = true
        if let claim = state.claim {
            state.claim = nil
            cluster?.releases.yield((room.key, claim))
        }
        directory.withLockedValue { rooms in
            if rooms[room.key] === room { rooms[room.key] = nil }
        }
    }

    /// Runs `body` on the session's room, if the session is still that room's member when its turn comes; else
    /// `notMember`. Then `done`.
    func performAsMember(_ session: SignalingSession, notMember: @escaping @Sendable () -> Void,
                                 done: @escaping @Sendable () -> Void,
                                 _ body: @escaping @Sendable (Room, inout RoomState, RoomMember) -> Void) {
        guard let membership = session.membership.withLockedValue({ $0 }) else {
            notMember()
            return done()
        }
        perform(on: membership.room, RoomOperation(
            body: { room, state in
                if let member = state.members[membership.userId], member.session.id == session.id {
                    body(room, &state, member)
                } else {
                    notMember()
                }
                done()
            },
            whenClosed: {
                notMember()
                done()
            }))
    }

    // MARK: signaling requests

    /// `enter`: `done` once the room has answered it (the session's next message may be looked at then).
    func enter(_ admission: Admission, session: SignalingSession, done: @escaping @Sendable () -> Void) {
        guard !isShuttingDown.load(ordering: .relaxed) else {
            session.send(.error(.refused("server is shutting down", seq: admission.seq)))
            return done()
        }
        if let current = session.membership.withLockedValue({ $0 }) {
            session.send(.error(.refused("already in room \(current.room.key.room); leave first", seq: admission.seq)))
            return done()
        }
        guard let cluster else {
            perform(on: admission.key, create: true, missing: done) { [self] room, state in
                enter(admission, session: session, room: room, &state)
                done()
            }
            return
        }
        // Cluster mode: at once into a room this node has; any other entry waits for its placement (ClusterService),
        // which either admits it here (`enterPlaced`) or redirects it.
        guard cluster.isServing else {
            session.send(.error(.refused("this node is not serving: it holds no cluster lease now", seq: admission.seq)))
            return done()
        }
        perform(on: admission.key, create: false, missing: {
            cluster.placements.yield(PlacementJob(admission: admission, session: session))
            done()
        }) { [self] room, state in
            if state.members.isEmpty {
                cluster.placements.yield(PlacementJob(admission: admission, session: session))
            } else {
                enter(admission, session: session, room: room, &state)
            }
            done()
        }
    }

    /// The cluster placed the room on this node (`claim`). Concurrent placements of one room by this node each bump
    /// the epoch: the room keeps the newest, which is the one the row has. An entry refused into a room nobody is in
    /// gives the placement back (when the room closes).
    func enterPlaced(_ admission: Admission, session: SignalingSession, claim: RoomClaim) {
        perform(on: admission.key, create: true, missing: {}) { [self] room, state in
            if let held = state.claim, held.incarnation == claim.incarnation {
                state.claim?.epoch = max(held.epoch, claim.epoch)
            } else {
                state.claim = claim
            }
            enter(admission, session: session, room: room, &state)
        }
    }

    /// The lease is lost: every member is told the server is going away (they reconnect and are placed anew) and
    /// closed, and every room is dropped with its media, before another node may take them. The claims die with the
    /// incarnation; nothing is released.
    func fence(reason: String) {
        let payload = SignalingSession.payload(ServerMessage.shutdown(message: "node left the cluster: \(reason)"))
        for room in directory.withLockedValue({ Array($0.values) }) {
            perform(on: room, RoomOperation(
                body: { [self] room, state in
                    let members = state.members
                    state.members = [:]
                    state.claim = nil
                    for member in members.values {
                        member.session.membership.withLockedValue { $0 = nil }
                        member.session.send(payload)
                        member.session.close(goingAway: true)
                        media.revoke(session: member.session.id)
                    }
                    if !members.isEmpty {
                        memberCount.subtract(members.count, ordering: .relaxed)
                        roomCount.subtract(1, ordering: .relaxed)
                        metrics.users.decrement(by: Double(members.count))
                        metrics.rooms.decrement()
                    }
                },
                whenClosed: {}))
        }
        logger.error("fenced: \(reason)")
    }

    /// The rooms this node owns, as `SDKAPPID/ROOMKEY` (the orphan sweep keeps their rows).
    var claimedRoomKeys: [String] {
        directory.withLockedValue { Array($0.values) }.compactMap { room in
            room.state.withLockedValue { $0.claim == nil ? nil : "\(room.key.sdkAppId)/\(room.key.clusterKey)" }
        }
    }

    private func enter(_ admission: Admission, session: SignalingSession, room: Room, _ state: inout RoomState) {
        let roomExists = !state.members.isEmpty
        if state.members[admission.userId] == nil {
            let user = RoomEntryBudget.User(sdkAppId: admission.key.sdkAppId, userId: admission.userId)
            guard roomEntries.withLockedValue({ $0.spend(user, room: admission.key.room) }) else {
                metrics.roomEntriesThrottled.increment()
                session.send(.error(.refused(
                    "too many rooms entered by userId \(admission.userId): at most \(configuration.roomEntriesPerMinute) per minute",
                    seq: admission.seq)))
                return
            }
        }
        // Only here is it known whether this entry creates the room.
        if !roomExists, let privileges = admission.privileges {
            do {
                try Admission.require(.createRoom, of: privileges, "create the room (\(admission.key.room) has no members)")
            } catch {
                metrics.permissionRefusals.increment()
                session.send(.error(SignalingError(seq: admission.seq, error)))
                return
            }
        }
        let credentials = ICECredentials.random()
        guard let grant = makeMediaGrant(credentials: credentials, avoiding: state.members, browser: admission.browserOffer) else {
            session.send(.error(.refused("an SSRC of the offer is in use in the room; create a new offer and enter again",
                                         seq: admission.seq)))
            return
        }
        var member = RoomMember(
            userId: admission.userId, session: session, scene: admission.scene, role: admission.role,
            video: admission.video, audio: admission.audio, media: grant, privileges: admission.privileges)
        var answer: String?
        if let offer = admission.browserOffer {
            do {
                answer = try Self.browserAnswer(to: offer, for: &member, streams: [:], first: true)
            } catch {
                session.send(.error(.badMessage("sdp: \(error.message)", seq: admission.seq)))
                return
            }
        }
        if !roomExists {
            roomCount.add(1, ordering: .relaxed)
            metrics.rooms.increment()
        }
        // Changed in place: a copy of the room's dictionary per entry would make filling a large room quadratic.
        let previous = state.members.updateValue(member, forKey: admission.userId)
        if previous == nil {
            // Counted before `entered` goes out: a client that reads /healthz once entered finds itself counted.
            memberCount.add(1, ordering: .relaxed)
            metrics.users.increment()
        }
        if let offer = admission.media {
            media.admit(member.mediaAdmission(room: admission.key, local: credentials, offer: offer))
        }
        session.membership.withLockedValue { $0 = Membership(room: room, userId: admission.userId) }
        session.hasEntered.store(true, ordering: .relaxed)
        metrics.joins.increment()

        let others = state.members.values.filter { $0.userId != admission.userId && $0.isVisible }.map(\.info)
        session.send(.entered(.init(
            seq: admission.seq, userId: admission.userId, room: admission.key.room,
            members: others.sorted { $0.userId < $1.userId }, media: member.media,
            heartbeatMs: Int(configuration.heartbeatIntervalMs),
            departureTimeoutMs: Int(configuration.departureTimeoutMs), sdp: answer)))

        if let previous {
            displace(previous, by: member, state)
        } else {
            announceChange(from: nil, to: member, state)
        }
        logger.debug("entered", metadata: [
            "room": "\(admission.key)", "user": "\(admission.userId)", "session": "\(session.id)",
            "replaced": "\(previous != nil)",
        ])
    }

    func leave(seq: UInt32, session: SignalingSession, done: @escaping @Sendable () -> Void) {
        performAsMember(session, notMember: { session.sendError(.refused("not in a room", seq: seq)) }, done: done) {
            [self] room, state, member in
            removeMember(member.userId, reason: .left, room, &state)
            metrics.leaves.increment()
            session.send(.ack(seq: seq))
            session.close()
            logger.debug("left", metadata: ["room": "\(room.key)", "user": "\(member.userId)"])
        }
    }

    func switchRole(seq: UInt32, role: Role, session: SignalingSession, done: @escaping @Sendable () -> Void) {
        performAsMember(session, notMember: { session.sendError(.refused("not in a room", seq: seq)) }, done: done) {
            [self] _, state, before in
            guard before.scene == .live else {
                session.send(.error(.refused("roles apply to the live scene; in rtc every member is an anchor", seq: seq)))
                return
            }
            var member = before
            member.role = role
            if role == .audience {
                member.video = false
                member.audio = false
            }
            state.members[member.userId] = member
            media.setPublishing(session: session.id, audio: member.publishesAudio, video: member.publishesVideo)
            session.send(.ack(seq: seq))
            announceChange(from: before, to: member, state)
        }
    }

    func publish(seq: UInt32, video: Bool?, audio: Bool?, session: SignalingSession, done: @escaping @Sendable () -> Void) {
        performAsMember(session, notMember: { session.sendError(.refused("not in a room", seq: seq)) }, done: done) {
            [self] _, state, before in
            guard before.role == .anchor else {
                session.send(.error(.refused("an audience member cannot publish; switch to anchor first", seq: seq)))
                return
            }
            do throws(TrtcError) {
                if video == true, !before.may(.sendVideo) { try Admission.require(.sendVideo, of: before.privileges ?? [], "send video") }
                if audio == true, !before.may(.sendAudio) { try Admission.require(.sendAudio, of: before.privileges ?? [], "send audio") }
            } catch {
                metrics.permissionRefusals.increment()
                session.send(.error(SignalingError(seq: seq, error)))
                return
            }
            var member = before
            if let video { member.video = video }
            if let audio { member.audio = audio }
            state.members[member.userId] = member
            media.setPublishing(session: session.id, audio: member.publishesAudio, video: member.publishesVideo)
            session.send(.ack(seq: seq))
            announceChange(from: before, to: member, state)
        }
    }

    // MARK: departure timeout

    /// Removes every member whose connection has been silent for longer than the departure timeout (a change queued to
    /// each room), and closes connections that are in no room and silent as long.
    func sweep(now: Int64) {
        roomEntries.withLockedValue { $0.prune() }
        let limit = configuration.departureTimeoutMs
        for room in directory.withLockedValue({ Array($0.values) }) {
            perform(on: room, RoomOperation(
                body: { [self] room, state in
                    let expired = state.members.values.filter { now - $0.session.lastSeen.load(ordering: .relaxed) > limit }
                    for member in expired {
                        removeMember(member.userId, reason: .timedOut, room, &state)
                        metrics.timeouts.increment()
                        // A connection that is open but silent is closed: its client will notice and come back.
                        member.session.close(goingAway: true)
                        logger.debug("departure timeout", metadata: ["room": "\(room.key)", "user": "\(member.userId)"])
                    }
                },
                whenClosed: {}))
        }
        // A connection that is in no room (never entered, or left) and has gone silent is closed as well: otherwise an
        // idle connection would hold its socket and memory for good.
        for session in connections.withLockedValue({ Array($0.sessions.values) })
        where session.membership.withLockedValue({ $0 == nil })
            && !session.isRetired.load(ordering: .relaxed) && now - session.lastSeen.load(ordering: .relaxed) > limit {
            session.close(goingAway: true)
            logger.debug("idle connection closed", metadata: ["session": "\(session.id)"])
        }
    }

    // MARK: server API

    func removeUsers(_ userIds: [String], from key: RoomKey) async -> APIOutcome {
        await withCheckedContinuation { (answer: CheckedContinuation<APIOutcome, Never>) in
            perform(on: key, create: false, missing: { answer.resume(returning: .roomNotExist) }) { [self] room, state in
                // Found empty: an entry is creating it and has not run yet; the room does not exist before that.
                guard !state.members.isEmpty else { return answer.resume(returning: .roomNotExist) }
                for userId in userIds {
                    guard let member = state.members[userId] else { continue }
                    member.session.send(.exit(reason: .removedByServer, message: "removed from the room by the server API"))
                    member.session.close()
                    removeMember(userId, reason: .removedByServer, room, &state)
                    metrics.kicksRemoved.increment()
                    logger.debug("removed by API", metadata: ["room": "\(key)", "user": "\(userId)"])
                }
                answer.resume(returning: .done)
            }
        }
    }

    /// The room is gone for everyone at once (one change of the room); its members are told afterwards, so that a
    /// thousand `exit`s do not hold up the room's other changes.
    func dismiss(_ key: RoomKey) async -> APIOutcome {
        let sessions: [SignalingSession] = await withCheckedContinuation { answer in
            perform(on: key, create: false, missing: { answer.resume(returning: []) }) { [self] room, state in
                let members = state.members
                state.members = [:]
                for member in members.values {
                    member.session.membership.withLockedValue { $0 = nil }
                    media.revoke(session: member.session.id)
                }
                if !members.isEmpty {
                    memberCount.subtract(members.count, ordering: .relaxed)
                    roomCount.subtract(1, ordering: .relaxed)
                    metrics.users.decrement(by: Double(members.count))
                    metrics.rooms.decrement()
                    metrics.kicksDismissed.increment(by: Int64(members.count))
                    logger.info("room dismissed", metadata: ["room": "\(key)", "members": "\(members.count)"])
                }
                answer.resume(returning: members.values.map(\.session))
            }
        }
        guard !sessions.isEmpty else { return .roomNotExist }
        SignalingSession.sendThenClose(
            SignalingSession.payload(.exit(reason: .roomDismissed, message: "the room was dismissed by the server API")),
            to: sessions)
        return .done
    }

    // MARK: shutdown and stats

    func shutdown() {
        isShuttingDown.store(true, ordering: .relaxed)
        let sessions = connections.withLockedValue { connections in
            connections.isShuttingDown = true
            return Array(connections.sessions.values)
        }
        let payload = SignalingSession.payload(ServerMessage.shutdown(message: "server is shutting down"))
        for session in sessions {
            session.send(payload)
            session.close(goingAway: true)
        }
        logger.info("shutdown: told \(sessions.count) connections")
    }

    /// Lets the room workers finish what they were handed and stops their threads (after `shutdown`).
    func stopWorkers() async {
        await workers.stop()
    }

    var stats: ServerStats {
        ServerStats(rooms: roomCount.load(ordering: .relaxed), users: memberCount.load(ordering: .relaxed),
                    connections: connections.withLockedValue { $0.sessions.count })
    }

    // MARK: internals (run as a change of the room)

    private func removeMember(_ userId: String, reason: LeaveReason, _ room: Room, _ state: inout RoomState) {
        guard let member = state.members.removeValue(forKey: userId) else { return }
        member.session.membership.withLockedValue { $0 = nil }
        media.revoke(session: member.session.id)
        memberCount.subtract(1, ordering: .relaxed)
        metrics.users.decrement()
        if state.members.isEmpty {
            roomCount.subtract(1, ordering: .relaxed)
            metrics.rooms.decrement()
            close(room, &state)
        } else if member.isVisible {
            broadcast(.userLeave(userId: member.userId, reason: reason), state, except: member.userId)
        }
    }

    /// The same userId entered again: the earlier client is told it was kicked; the others never saw the user
    /// leave, so they only hear about what differs (visibility, publishing).
    private func displace(_ previous: RoomMember, by member: RoomMember, _ state: RoomState) {
        if previous.session.id != member.session.id {
            previous.session.membership.withLockedValue { $0 = nil }
            media.revoke(session: previous.session.id)
            previous.session.send(.exit(reason: .kickedByDuplicateUser, message: "the same userId entered the room from another client"))
            previous.session.close()
            metrics.kicksDuplicate.increment()
        }
        announceChange(from: previous, to: member, state)
    }

    /// Tells the others what changed about a member as they can see it.
    private func announceChange(from before: RoomMember?, to after: RoomMember, _ state: RoomState) {
        let wasVisible = before?.isVisible ?? false
        switch (wasVisible, after.isVisible) {
        case (false, true):
            broadcast(.userEnter(userId: after.userId, role: after.role), state, except: after.userId)
            if after.video { broadcast(.userVideo(userId: after.userId, available: true, ssrc: after.media.videoSsrc), state, except: after.userId) }
            if after.audio { broadcast(.userAudio(userId: after.userId, available: true, ssrc: after.media.audioSsrc), state, except: after.userId) }
        case (true, false):
            broadcast(.userLeave(userId: after.userId, reason: .switchedToAudience), state, except: after.userId)
        case (true, true):
            // A member that entered again from another client publishes with new SSRCs: announced like a change.
            if before?.video != after.video || (after.video && before?.media.videoSsrc != after.media.videoSsrc) {
                broadcast(.userVideo(userId: after.userId, available: after.video, ssrc: after.video ? after.media.videoSsrc : nil),
                          state, except: after.userId)
            }
            if before?.audio != after.audio || (after.audio && before?.media.audioSsrc != after.media.audioSsrc) {
                broadcast(.userAudio(userId: after.userId, available: after.audio, ssrc: after.audio ? after.media.audioSsrc : nil),
                          state, except: after.userId)
            }
        case (false, false):
            break
        }
    }

    private func broadcast(_ message: ServerMessage, _ state: RoomState, except userId: String) {
        let payload = SignalingSession.payload(message)
        for member in state.members.values where member.userId != userId {
            member.session.send(payload)
        }
    }

    /// The member's grant: fresh SSRCs, or a browser's own (from its offer; nil if one is in use by another member).
    private func makeMediaGrant(credentials: ICECredentials, avoiding members: [String: RoomMember],
                                browser: BrowserOffer? = nil) -> MediaGrant? {
        // Collisions are rare (32-bit random values), so candidates are checked against the room, not kept in a set.
        // The member this one replaces (same userId) counts too: receivers tell a new session by its new SSRCs.
        func isUsed(_ ssrc: UInt32) -> Bool {
            members.values.contains { $0.media.audioSsrc == ssrc || $0.media.videoSsrc == ssrc }
        }
        func freshSsrc(besides other: UInt32 = 0) -> UInt32 {
            while true {
                // 0 is the server's own (its reports), 1 browsers' receive-only reports.
                let candidate = UInt32.random(in: 2...UInt32.max)
                if candidate != other && !isUsed(candidate) { return candidate }
            }
        }
        if let ssrc = browser?.audioSsrc, isUsed(ssrc) { return nil }
        if let ssrc = browser?.videoSsrc, isUsed(ssrc) { return nil }
        let audioSsrc = browser?.audioSsrc ?? freshSsrc(besides: browser?.videoSsrc ?? 0)
        let videoSsrc = browser?.videoSsrc ?? freshSsrc(besides: audioSsrc)
        // The bound port: with --media HOST:0 only the socket knows it (signaling waits until it is bound).
        var port = mediaEndpoint.port ?? UInt16(clamping: configuration.mediaPort)
        // No host unless announced or bound elsewhere than signaling: the client then uses the host it reached
        // signaling at, so nothing in the grant can point its media at a third party.
        var announcedMediaHost = ""
        if let announce = configuration.mediaAnnounce {
            announcedMediaHost = announce.host
            port = UInt16(clamping: announce.port)
        } else if !["0.0.0.0", "::", configuration.listenHost].contains(mediaEndpoint.host) {
            announcedMediaHost = mediaEndpoint.host
        }
        return MediaGrant(
            host: announcedMediaHost, port: port, ufrag: credentials.ufrag, password: credentials.password,
            fingerprint: media.certificate.fingerprint.description, audioSsrc: audioSsrc, videoSsrc: videoSsrc)
    }
}
