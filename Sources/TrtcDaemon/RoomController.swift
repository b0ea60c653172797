import Logging
import TrtcSignalingClient
import TrtcCore
import TrtcDBus

/// Owns the daemon's room state: one room entry at a time, its remote users, its signaling connection, and the
/// order in which D-Bus signals are emitted. D-Bus calls and the room session both go through here.
actor RoomController {
    /// The current room entry (entering, in the room, reconnecting or exiting).
    struct Entry {
        let id: UInt64
        let params: EnterParameters
        let server: String
        let startedAt: ContinuousClock.Instant
        var enterWaiter: CheckedContinuation<Int64, any Error>?
        var channel: SignalingChannel?
        var role: Role
        var remote: [String: RemoteUser] = [:]
        var everEntered = false
        var reconnectAttempts = 0
        var callerWatch: DBusNameWatch?
    }

    let defaultServer: String
    let events: RoomEvents
    let logger: Logger
    let media: LocalMedia
    private let sessionJobs: AsyncStream<RoomSession>.Continuation
    private(set) var state: RoomState = .idle
    var entry: Entry?
    /// Local media choices that outlive a connection (see RoomController+LocalMedia).
    var videoMuted = false
    var audioMuted = false
    /// Remote users whose audio is not played (MuteRemoteAudio); kept while in the room, even for users not there yet.
    var remoteAudioMuted: Set<String> = []
    /// What the server believes we publish on the current connection (from `enter` and acknowledged `publish`).
    var announced = PublishFlags()
    var publishSyncRunning = false
    var publishSyncAgain = false
    private var nextEntryId: UInt64 = 0
    private var pending: [UInt32: CheckedContinuation<ServerMessage?, Never>] = [:]
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []

    init(defaultServer: String, events: RoomEvents, media: LocalMedia, sessionJobs: AsyncStream<RoomSession>.Continuation, logger: Logger) {
        self.defaultServer = defaultServer
        self.events = events
        self.media = media
        self.sessionJobs = sessionJobs
        self.logger = logger
    }

    static let initialProperties: [String: DBusValue] = [
        "State": .string(RoomState.idle.rawValue), "RoomId": "", "UserId": "", "Role": .string(Role.anchor.rawValue),
        "RemoteUsers": .stringArray([]), "LocalVideo": false, "LocalAudio": false,
    ]

    // MARK: D-Bus methods

    /// EnterRoom: returns the elapsed milliseconds once the server admitted the user.
    func enterRoom(_ params: EnterParameters, watch: @Sendable (UInt64) async throws -> DBusNameWatch?) async throws -> Int64 {
        guard state == .idle else {
            throw TrtcdError.alreadyInRoom("already \(state.rawValue) room \(entry?.params.roomText ?? "") as \(entry?.params.userId ?? ""); call ExitRoom first")
        }
        nextEntryId += 1
        let id = nextEntryId
        let server = params.server ?? defaultServer
        entry = Entry(id: id, params: params, server: server, startedAt: .now,
                      role: params.scene == .rtc ? .anchor : params.role)
        setState(.entering, extra: ["RoomId": .string(params.roomText), "UserId": .string(params.userId),
                                    "Role": .string((entry?.role ?? .anchor).rawValue)])
        logger.info("entering", metadata: ["room": "\(params.roomText)", "user": "\(params.userId)", "server": "\(server)"])
        if params.bindToCaller {
            let callerWatch = try? await watch(id)
            if entry?.id == id { entry?.callerWatch = callerWatch } else { callerWatch?.cancel() }
        }
        guard entry?.id == id else { throw TrtcdError.cancelled("ExitRoom was called while entering") }
        sessionJobs.yield(RoomSession(id: id, server: server, controller: self, logger: logger))
        return try await withCheckedThrowingContinuation { continuation in
            entry?.enterWaiter = continuation
        }
    }

    /// ExitRoom: the active exit, in SPEC's order. Returns when done; at once when not in a room.
    func exitRoom() async {
        switch state {
        case .idle:
            return
        case .exiting:
            await withCheckedContinuation { exitWaiters.append($0) }
        case .entering:
            guard let current = entry else { return }
            logger.info("entry cancelled by ExitRoom")
            if let channel = current.channel { channel.send(.leave(seq: channel.makeSeq())) }
            releaseDevicesNow()
            finishEnter(current, with: .failure(TrtcdError.cancelled("ExitRoom was called while entering")),
                        code: Int64(TrtcdError.cancelledCode))
            clear()
        case .inRoom, .reconnecting:
            guard let current = entry else { return }
            setState(.exiting)
            // 1. Tell the server: the others get RemoteUserLeaveRoom(me, 0).
            if current.channel != nil {
                let answer = await request(timeout: .seconds(3)) { .leave(seq: $0) }
                if answer == nil { logger.warning("trtc-server did not confirm the leave") }
            }
            // 2.–3. Stop publishing and close every capture stream.
            releaseDevicesNow()
            // 4. The signal, then (by returning) the reply.
            events.signal("ExitRoom", .int32(ExitReason.exitRoom.rawValue))
            logger.info("exited", metadata: ["room": "\(current.params.roomText)"])
            clear()
        }
    }

    func switchRole(_ role: Role) async throws {
        guard state == .inRoom, let current = entry else { throw TrtcdError.notInRoom("SwitchRole needs a room; call EnterRoom first") }
        guard current.params.scene == .live else {
            throw TrtcdError.from(TrtcError(.refused, "roles apply to the live scene; in rtc every member is an anchor"))
        }
        if current.role == role { return }
        // An audience member sends nothing: stop before the server stops accepting it.
        if role == .audience { media.setSending(video: false, audio: false) }
        guard let answer = await request(timeout: .seconds(5), { .switchRole(seq: $0, role: role) }) else {
            throw TrtcdError.from(TrtcError(.connectFailed, "trtc-server did not answer"))
        }
        if case .error(let error) = answer { throw TrtcdError.from(error.trtcError) }
        entry?.role = role
        events.properties(["Role": .string(role.rawValue)])
        if role == .audience { announced = PublishFlags() }
        await syncPublishing()
    }

    /// The caller of a `bindToCaller` entry left the bus: exit as if it had called ExitRoom.
    func callerVanished(_ id: UInt64) async {
        guard entry?.id == id else { return }
        logger.info("the caller that entered left the bus; exiting the room")
        await exitRoom()
    }

    // MARK: room session callbacks

    func isCurrent(_ id: UInt64) -> Bool { entry?.id == id }

    /// A connection is open: returns the enter request, or nil if the entry is no longer wanted.
    func sessionConnected(_ id: UInt64, _ channel: SignalingChannel) -> EnterRequest? {
        guard let current = entry, current.id == id, state != .exiting else { return nil }
        entry?.channel = channel
        let params = current.params
        // Capture opened before (or while) entering is published from the first moment.
        announced = wantedPublishing()
        return EnterRequest(seq: channel.makeSeq(), sdkAppId: params.sdkAppId, userId: params.userId, userSig: params.userSig,
                            room: params.room, scene: params.scene, role: current.role,
                            video: announced.video, audio: announced.audio)
    }

    /// A server message; returns an outcome when the session is over.
    func sessionMessage(_ id: UInt64, _ message: ServerMessage, on channel: SignalingChannel) -> SessionOutcome? {
        guard let current = entry, current.id == id else {
            // Admitted after the entry was abandoned: leave properly rather than linger as a ghost.
            if case .entered = message { channel.send(.leave(seq: channel.makeSeq())) }
            return .finished
        }
        switch message {
        case .hello, .pong:
            return nil
        case .entered(let entered):
            admitted(current, entered)
            return nil
        case .error(let error):
            if let seq = error.seq, let waiter = pending.removeValue(forKey: seq) {
                waiter.resume(returning: message)
                return nil
            }
            if !current.everEntered || state == .reconnecting { return .refused(error) }
            logger.warning("trtc-server error: \(error)")
            return nil
        case .ack(let seq):
            pending.removeValue(forKey: seq)?.resume(returning: message)
            return nil
        case .userEnter(let userId, _):
            guard entry?.remote[userId] == nil else { return nil }
            entry?.remote[userId] = RemoteUser(video: false, audio: false)
            events.signal("RemoteUserEnterRoom", .string(userId))
            publishRemoteUsers()
        case .userLeave(let userId, let reason):
            guard entry?.remote.removeValue(forKey: userId) != nil else { return nil }
            remoteUserGone(userId)
            events.signal("RemoteUserLeaveRoom", .string(userId), .int32(reason.rawValue))
            publishRemoteUsers()
        case .userVideo(let userId, let available, let ssrc):
            guard let before = entry?.remote[userId] else { return nil }
            entry?.remote[userId]?.video = available
            media.setRemoteVideoSsrc(userId: userId, ssrc: available ? ssrc : nil)
            guard before.video != available else { return nil }
            events.signal("UserVideoAvailable", .string(userId), .boolean(available))
        case .userAudio(let userId, let available, let ssrc):
            guard let before = entry?.remote[userId] else { return nil }
            entry?.remote[userId]?.audio = available
            entry?.remote[userId]?.audioSsrc = available ? ssrc : nil
            applyRemoteAudio(userId)
            guard before.audio != available else { return nil }
            events.signal("UserAudioAvailable", .string(userId), .boolean(available))
        case .exit(let reason, let text):
            logger.notice("forced out of the room", metadata: ["reason": "\(reason.rawValue)", "message": "\(text)"])
            return forcedExit(current, reason)
        case .shutdown(let text):
            logger.notice("trtc-server is shutting down: \(text)")
        }
        return nil
    }

    /// The connection ended; decides between giving up and reconnecting.
    func sessionEnded(_ id: UInt64, _ outcome: SessionOutcome) -> SessionDecision {
        failPendingRequests()
        guard let current = entry, current.id == id else { return .stop }
        entry?.channel = nil
        // The grant died with the connection; a re-entry brings a new one.
        media.detach()
        switch (outcome, state) {
        case (.finished, _), (_, .exiting), (_, .idle):
            return .stop
        case (.refused(let error), .entering):
            finishEnter(current, with: .failure(TrtcdError.from(error.trtcError)), code: Int64(error.code))
            clear()
            return .stop
        case (.connectFailed(let why), .entering), (.lost(let why), .entering):
            let error = TrtcError(.connectFailed, "cannot enter through \(current.server): \(why)")
            finishEnter(current, with: .failure(TrtcdError.from(error)), code: Int64(error.code))
            clear()
            return .stop
        case (_, .inRoom):
            logger.warning("connection to trtc-server lost; reconnecting", metadata: ["why": "\(outcome)"])
            setState(.reconnecting)
            events.signal("ConnectionLost")
            events.signal("TryToReconnect")
            entry?.reconnectAttempts = 1
            return .reconnect(after: .milliseconds(100))
        case (_, .reconnecting):
            let attempts = (entry?.reconnectAttempts ?? 0) + 1
            entry?.reconnectAttempts = attempts
            return .reconnect(after: .milliseconds(min(2000, 100 * (1 << min(attempts, 5)))))
        }
    }

    // MARK: internals

    private func admitted(_ current: Entry, _ entered: ServerMessage.Entered) {
        connectMedia(entered.media, server: current.server)
        let members = Dictionary(
            entered.members.map {
                ($0.userId, RemoteUser(video: $0.video, audio: $0.audio, audioSsrc: $0.audioSsrc))
            },
            uniquingKeysWith: { first, _ in first })
        for member in entered.members { media.setRemoteVideoSsrc(userId: member.userId, ssrc: member.videoSsrc) }
        defer { for userId in members.keys { applyRemoteAudio(userId) } }
        if !current.everEntered {
            let elapsed = max(1, Int64((ContinuousClock.now - current.startedAt) / .milliseconds(1)))
            entry?.everEntered = true
            setState(.inRoom)
            events.signal("EnterRoom", .int64(elapsed))
            for userId in members.keys.sorted() {
                events.signal("RemoteUserEnterRoom", .string(userId))
                if members[userId]!.video { events.signal("UserVideoAvailable", .string(userId), true) }
                if members[userId]!.audio { events.signal("UserAudioAvailable", .string(userId), true) }
            }
            entry?.remote = members
            publishRemoteUsers()
            logger.info("entered", metadata: ["room": "\(current.params.roomText)", "elapsedMs": "\(elapsed)"])
            entry?.enterWaiter?.resume(returning: elapsed)
            entry?.enterWaiter = nil
        } else {
            // Re-entered after a reconnect: report what changed while away.
            let before = current.remote
            entry?.remote = members
            entry?.reconnectAttempts = 0
            setState(.inRoom)
            events.signal("ConnectionRecovery")
            for userId in before.keys.sorted() where members[userId] == nil {
                remoteUserGone(userId)
                events.signal("RemoteUserLeaveRoom", .string(userId), .int32(LeaveReason.timedOut.rawValue))
            }
            for userId in members.keys.sorted() {
                let now = members[userId]!
                if let was = before[userId] {
                    if was.video != now.video { events.signal("UserVideoAvailable", .string(userId), .boolean(now.video)) }
                    if was.audio != now.audio { events.signal("UserAudioAvailable", .string(userId), .boolean(now.audio)) }
                } else {
                    events.signal("RemoteUserEnterRoom", .string(userId))
                    if now.video { events.signal("UserVideoAvailable", .string(userId), true) }
                    if now.audio { events.signal("UserAudioAvailable", .string(userId), true) }
                }
            }
            publishRemoteUsers()
            logger.info("connection recovered", metadata: ["room": "\(current.params.roomText)"])
        }
    }

    private func forcedExit(_ current: Entry, _ reason: ExitReason) -> SessionOutcome {
        if !current.everEntered {
            finishEnter(current, with: .failure(TrtcdError.from(TrtcError(.refused, "forced out while entering (reason \(reason.rawValue))"))),
                        code: Int64(TrtcErrorCode.refused.rawValue))
            clear()
            return .finished
        }
        setState(.exiting)
        // Devices are released before the signal is sent (SPEC §3).
        releaseDevicesNow()
        events.signal("ExitRoom", .int32(reason.rawValue))
        clear()
        return .finished
    }

    private func finishEnter(_ current: Entry, with result: Result<Int64, DBusError>, code: Int64) {
        events.signal("EnterRoom", .int64(code))
        switch result {
        case .success(let elapsed): entry?.enterWaiter?.resume(returning: elapsed)
        case .failure(let error): entry?.enterWaiter?.resume(throwing: error)
        }
        entry?.enterWaiter = nil
    }

    /// A remote user left: its video node goes too.
    private func remoteUserGone(_ userId: String) {
        media.setRemoteVideoSsrc(userId: userId, ssrc: nil)
        media.setRemoteAudio(userId: userId, ssrc: nil)
        media.stopRemoteVideoSoon(userId: userId)
    }

    /// Back to idle: the connection is closed, the properties reset, waiting exits released.
    private func clear() {
        entry?.callerWatch?.cancel()
        entry?.channel?.close()
        entry = nil
        failPendingRequests()
        state = .idle
        media.detach()
        media.closeRemoteMediaNow()
        remoteAudioMuted = []
        announced = PublishFlags()
        var properties = Self.initialProperties
        // Capture opened before an entry that failed stays open (a device is closed only by an exit or Stop*).
        properties["LocalVideo"] = .boolean(media.isVideoOpen)
        properties["LocalAudio"] = .boolean(media.isAudioOpen)
        events.properties(properties)
        for waiter in exitWaiters { waiter.resume() }
        exitWaiters.removeAll()
    }

    private func setState(_ newState: RoomState, extra: [String: DBusValue] = [:]) {
        state = newState
        var values = extra
        values["State"] = .string(newState.rawValue)
        events.properties(values)
    }

    private func publishRemoteUsers() {
        events.properties(["RemoteUsers": .stringArray((entry?.remote.keys.sorted()) ?? [])])
    }

    /// Sends a request on the current connection and waits for its ack/error, or nil after `timeout`.
    func request(timeout: Duration, _ make: (UInt32) -> ClientMessage) async -> ServerMessage? {
        guard let channel = entry?.channel else { return nil }
        let seq = channel.makeSeq()
        let message = make(seq)
        return await withTaskGroup(of: ServerMessage?.self) { group in
            group.addTask { await self.send(message, seq: seq, on: channel) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                await self.resolve(seq, nil)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            resolve(seq, nil)
            return first
        }
    }

    private func send(_ message: ClientMessage, seq: UInt32, on channel: SignalingChannel) async -> ServerMessage? {
        await withCheckedContinuation { continuation in
            pending[seq] = continuation
            channel.send(message)
        }
    }

    private func resolve(_ seq: UInt32, _ answer: ServerMessage?) {
        pending.removeValue(forKey: seq)?.resume(returning: answer)
    }

    private func failPendingRequests() {
        let waiting = pending
        pending.removeAll()
        for waiter in waiting.values { waiter.resume(returning: nil) }
    }

    /// Stops publishing, then closes the capture streams (camera and microphone released in PipeWire).
    /// Synchronous on purpose: the ExitRoom signal that follows must come after the release, with no other
    /// actor call in between.
    private func releaseDevicesNow() {
        media.detach()
        media.closeAllNow()
        media.closeRemoteMediaNow()
        videoMuted = false
        audioMuted = false
        events.properties(["LocalVideo": false, "LocalAudio": false])
    }
}
