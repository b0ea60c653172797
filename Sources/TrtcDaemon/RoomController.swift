import Foundation
import Logging
import TrtcCore
import TrtcDBus
import TrtcDBusContract
import TrtcSignalingClient
import TrtcTransport

/// Carries out `RoomStateMachine`'s actions: owns what the machine must not (the signaling connection, the pending
/// D-Bus calls, the caller watch, the media engine) and feeds back the events that finish asynchronous actions.
/// D-Bus calls, room sessions and device events all come through here, one at a time (an actor).
actor RoomController {
    let defaultServer: String
    /// How `wss://` servers are verified (DaemonConfiguration.tls).
    let tls: ServerTrust
    let events: RoomEvents
    let logger: Logger
    let media: LocalMedia
    /// This process's DTLS certificate; its fingerprint goes in every `enter` (docs/protocol.md §2). Made at the first
    /// entry, not at start: an idle trtcd does not need OpenSSL's pages resident.
    private var mediaCertificate: DTLSCertificate?
    /// The ICE credentials offered in the last `enter`, for the media connection of the grant that answers it.
    private var mediaCredentials = ICECredentials.random()
    private let sessionJobs: AsyncStream<RoomSession>.Continuation
    private let publishSyncJobs: AsyncStream<Void>.Continuation
    var machine = RoomStateMachine()
    /// `Statistics`/`NetworkQuality` every 2 s while in the room (RoomController+Statistics).
    var statisticsMeter = StatisticsMeter()
    var statisticsTimer: Task<Void, Never>?

    // What belongs to the current entry (the machine's), keyed by its id where a late arrival must be told apart.
    private var channel: (entryId: UInt64, channel: SignalingChannel)?
    /// The server the current connection reached (the entry's, or the node a redirect named): media goes to its
    /// host when the grant names none.
    private var connectedServer: String?
    private var enterWaiter: (entryId: UInt64, continuation: CheckedContinuation<Int64, any Error>)?
    /// An EnterRoom result decided before its call started waiting (while the caller watch was being set up).
    private var enterOutcome: (entryId: UInt64, result: Result<Int64, DBusError>)?
    private var callerWatch: (entryId: UInt64, watch: DBusNameWatch)?
    private var pending: [UInt32: CheckedContinuation<ServerMessage?, Never>] = [:]
    private var exitWaiters: [CheckedContinuation<Void, Never>] = []

    init(defaultServer: String, tls: ServerTrust, events: RoomEvents, media: LocalMedia,
         sessionJobs: AsyncStream<RoomSession>.Continuation, publishSyncJobs: AsyncStream<Void>.Continuation, logger: Logger) {
        self.defaultServer = defaultServer
        self.tls = tls
        self.events = events
        self.media = media
        self.sessionJobs = sessionJobs
        self.publishSyncJobs = publishSyncJobs
        self.logger = logger
    }

    /// The DTLS certificate, made once; nil (the entry goes on without media, said in the log) if OpenSSL fails.
    private func certificateForMedia() -> DTLSCertificate? {
        if let mediaCertificate { return mediaCertificate }
        do {
            let certificate = try DTLSCertificate.generate()
            mediaCertificate = certificate
            return certificate
        } catch {
            logger.error("cannot create the DTLS certificate; entering without media", metadata: ["error": "\(error)"])
            return nil
        }
    }

    // MARK: D-Bus methods

    /// EnterRoom: returns the elapsed milliseconds once the server admitted the user.
    func enterRoom(_ params: EnterParameters, watch: @escaping @Sendable (UInt64) async throws -> DBusNameWatch?) async throws -> Int64 {
        let actions = try machine.enterRoom(params, defaultServer: defaultServer, now: .now)
        guard let entryId = machine.entry?.id else { throw TrtcdError.cancelled("the entry ended at once") }
        enterOutcome = nil
        await perform(actions, watch: watch)
        if let outcome = enterOutcome, outcome.entryId == entryId {
            enterOutcome = nil
            return try outcome.result.get()
        }
        return try await withCheckedThrowingContinuation { enterWaiter = (entryId, $0) }
    }

    /// ExitRoom: the active exit, in SPEC's order. Returns when done; at once when not in a room.
    func exitRoom() async {
        let exiting = machine.entry?.id
        await perform(machine.exitRoom())
        // Another path (a forced exit, an earlier ExitRoom) is carrying out this exit: wait for it.
        if case .exiting(let current, _) = machine.state, current.id == exiting {
            await withCheckedContinuation { exitWaiters.append($0) }
        }
    }

    func switchRole(_ role: Role) async throws {
        guard let actions = try machine.switchRole(role) else { return }
        await perform(actions)
        let answer = await request(timeout: .seconds(5)) { .switchRole(seq: $0, role: role) }
        await perform(try machine.roleSwitchAnswered(role, answer))
    }

    func callerVanished(_ entryId: UInt64) async {
        await perform(machine.callerVanished(entryId: entryId))
    }

    // MARK: room session callbacks

    func isCurrent(_ entryId: UInt64) -> Bool { machine.isCurrent(entryId) }

    /// A connection is open: sends `enter`, or closes it when the entry is no longer wanted. False: do not go on.
    func sessionConnected(_ entryId: UInt64, _ connection: SignalingChannel, server: String) async -> Bool {
        let actions = machine.sessionConnected(entryId)
        guard case .sendEnter = actions.first else {
            connection.close()
            return false
        }
        channel = (entryId, connection)
        connectedServer = server
        await perform(actions)
        return true
    }

    /// A server message; returns an outcome when the session is over.
    func sessionMessage(_ entryId: UInt64, _ message: ServerMessage, on connection: SignalingChannel) async -> SessionOutcome? {
        if let seq = message.answeredSeq, let waiter = pending.removeValue(forKey: seq) {
            waiter.resume(returning: message)
            return nil
        }
        let (actions, outcome) = machine.sessionMessage(entryId, message, now: .now)
        await perform(actions, on: connection)
        return outcome
    }

    /// The connection ended; decides between giving up and reconnecting.
    func sessionEnded(_ entryId: UInt64, _ outcome: SessionOutcome) async -> SessionDecision {
        let (actions, decision) = machine.sessionEnded(entryId, outcome)
        if channel?.entryId == entryId { channel = nil }
        await perform(actions)
        return decision
    }

    // MARK: publishing

    /// Runs publish steps until the server's view matches what is wanted (`RoomStateMachine.publishStep()`).
    /// Started by `syncPublishing` actions through `publishSyncJobs`, so no caller waits for the server here.
    func syncPublishing() async {
        while true {
            let (actions, publish) = machine.publishStep()
            await perform(actions)
            guard let publish else { return }
            let answer = await request(timeout: .seconds(5)) { .publish(seq: $0, video: publish.video, audio: publish.audio) }
            let (more, again) = machine.publishAnswered(publish, answer)
            await perform(more)
            guard again else { return }
        }
    }

    // MARK: carrying out actions

    /// Carries out `actions` in order; asynchronous ones finish (and feed their event back) before the next.
    /// `connection`: the one a server message came on (for `leaveStaleConnection`).
    func perform(_ actions: [RoomAction], on connection: SignalingChannel? = nil,
                 watch: (@Sendable (UInt64) async throws -> DBusNameWatch?)? = nil) async {
        for action in actions {
            switch action {
            case .emit(let signal):
                events.signal(signal)
            case .setProperties(let values):
                events.properties(values)
            case .completeEnter(let entryId, let result):
                if let waiter = enterWaiter, waiter.entryId == entryId {
                    enterWaiter = nil
                    waiter.continuation.resume(with: result.mapError { $0 as any Error })
                } else {
                    enterOutcome = (entryId, result)
                }
            case .watchCaller(let entryId):
                let found = try? await watch?(entryId)
                if let found {
                    if machine.isCurrent(entryId) { callerWatch = (entryId, found) } else { found.cancel() }
                }
            case .cancelCallerWatch:
                callerWatch?.watch.cancel()
                callerWatch = nil
            case .finishExitWaiters:
                let waiters = exitWaiters
                exitWaiters.removeAll()
                for waiter in waiters { waiter.resume() }
            case .startSession(let entryId, let server):
                // ExitRoom may have ended the entry while the caller watch was set up.
                guard machine.isCurrent(entryId) else { break }
                sessionJobs.yield(RoomSession(id: entryId, server: server, tls: tls, controller: self, logger: logger))
            case .sendEnter(var request):
                guard let current = channel?.channel else { break }
                request.seq = current.makeSeq()
                // Fresh credentials per entry: a re-entry's checks must not pass for the old session's.
                mediaCredentials = ICECredentials.random()
                if let certificate = certificateForMedia() {
                    request.media = MediaOffer(ufrag: mediaCredentials.ufrag, fingerprint: certificate.fingerprint.description)
                }
                current.send(.enter(request))
            case .sendLeave:
                if let current = channel?.channel { current.send(.leave(seq: current.makeSeq())) }
            case .requestLeave:
                let answer = await request(timeout: .seconds(3)) { .leave(seq: $0) }
                await perform(machine.leaveAnswered(confirmed: answer != nil))
            case .leaveStaleConnection:
                if let connection { connection.send(.leave(seq: connection.makeSeq())) }
            case .closeConnection:
                channel?.channel.close()
                channel = nil
            case .failPendingRequests:
                failPendingRequests()
            case .syncPublishing:
                publishSyncJobs.yield()
            case .releaseDevices:
                await media.releaseAll()
                await perform(machine.devicesReleased())
            case .attachMedia(let grant, let server):
                do {
                    guard let certificate = mediaCertificate else {
                        throw TrtcError(.connectFailed, "no DTLS certificate, so no media connection")
                    }
                    try await media.attach(grant: grant, local: mediaCredentials, certificate: certificate,
                                           signalingHost: URL(string: connectedServer ?? server)?.host)
                } catch {
                    logger.error("cannot open the media transport; not publishing", metadata: ["error": "\(error)"])
                }
            case .detachMedia:
                await media.detach()
            case .setSending(let flags):
                await media.setSending(video: flags.video, audio: flags.audio)
            case .setRemoteVideoSsrc(let userId, let ssrc):
                media.setRemoteVideoSsrc(userId: userId, ssrc: ssrc)
            case .setRemoteAudio(let userId, let ssrc):
                media.setRemoteAudio(userId: userId, ssrc: ssrc)
            case .removeRemoteVideo(let userId):
                media.stopRemoteVideoSoon(userId: userId)
            case .closeRemoteMedia:
                await media.closeRemoteMedia()
            case .log(let level, let message):
                logger.log(level: level, "\(message)")
            }
        }
        updateStatisticsTimer()
    }

    /// Sends a request on the current connection and waits for its ack/error, or nil after `timeout`.
    func request(timeout: Duration, _ make: (UInt32) -> ClientMessage) async -> ServerMessage? {
        guard let connection = channel?.channel else { return nil }
        let seq = connection.makeSeq()
        let message = make(seq)
        return await withTaskGroup(of: ServerMessage?.self) { group in
            group.addTask { await self.send(message, seq: seq, on: connection) }
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

    private func send(_ message: ClientMessage, seq: UInt32, on connection: SignalingChannel) async -> ServerMessage? {
        await withCheckedContinuation { continuation in
            pending[seq] = continuation
            connection.send(message)
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
}

extension ServerMessage {
    /// The request this message answers (an ack, or an error naming a seq).
    var answeredSeq: UInt32? {
        switch self {
        case .ack(let seq): seq
        case .error(let error): error.seq
        default: nil
        }
    }
}
