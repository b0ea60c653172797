import Foundation
import NIOCore
import Logging
import Synchronization
import TrtcCore

/// Answers signaling messages, for every connection: opens and closes sessions, parses each client message and
/// hands it to the registry. Called on the connections' event loops.
struct SignalingMessageHandler: Sendable {
    let configuration: ServerConfiguration
    let registry: RoomRegistry
    let metrics: ServerMetrics
    let sessionIds: SessionIdGenerator
    let logger: Logger

    /// The largest message, in one frame or reassembled from fragments: the protocol's limit. A larger one closes
    /// the connection with 1009 (message too big) before it is buffered, so that no connection, authenticated or
    /// not, holds more than this of unfinished input.
    static let maxMessageBytes = Signaling.maxMessageBytes

    /// A new session; no message yet: the server speaks first only to a client that authenticated (`hello` before
    /// the answer to its first verified `enter`), so that an unauthenticated connection is never sent more than it
    /// sent (docs/security.md, "Amplification").
    func openSession(channel: any Channel, byteGuard: NIOLoopBound<AmplificationGuardHandler>?) -> SignalingSession {
        let session = SignalingSession(
            id: sessionIds.next(), channel: channel, byteGuard: byteGuard, maxQueuedMessages: configuration.maxQueuedMessagesPerSession,
            stateChangesPerSecond: configuration.stateChangesPerSecond, metrics: metrics)
        metrics.connections.increment()
        registry.register(session)
        return session
    }

    func closeSession(_ session: SignalingSession) {
        session.isOpen.store(false, ordering: .relaxed)
        metrics.connections.decrement()
        registry.connectionClosed(session)
    }

    /// The enter deadline passed: a connection that has not entered by now is closed, however busy it kept itself.
    func enterDeadlinePassed(_ session: SignalingSession) {
        guard !session.hasEntered.load(ordering: .relaxed), !session.isRetired.load(ordering: .relaxed) else { return }
        metrics.enterTimeouts.increment()
        logger.debug("no enter before the deadline", metadata: ["session": "\(session.id)"])
        session.close(.policyViolation, reason: Self.enterTimeoutReason)
    }

    static let enterTimeoutReason = "enter timeout"

    func rejectBinary(session: SignalingSession) {
        metrics.messagesIn.increment()
        reject(.badMessage("binary messages are not part of the signaling protocol"), session)
    }

    static let helloText = ServerMessage.hello(
        protocolVersion: Signaling.protocolVersion, server: "trtc-server/\(TrtcServerVersion.string)").text

    /// Heartbeats are most of a held room's traffic: their usual form (as TrtcClient sends it) is answered without
    /// the JSON parser; any other spelling takes the general path below and gets the same answer.
    static let canonicalHeartbeat = ClientMessage.heartbeat.text
    static let pongText = ServerMessage.pong.text
    /// Encoded once and shared by every pong's write.
    static let pongPayload = ByteBuffer(string: pongText)

    func handle(_ text: String, session: SignalingSession) {
        metrics.messagesIn.increment()
        guard !session.isRetired.load(ordering: .relaxed) else {
            logger.debug("ignored a message on a closing connection", metadata: ["session": "\(session.id)"])
            return
        }
        if text == Self.canonicalHeartbeat {
            session.send(Self.pongPayload)
            return
        }
        if session.requests.value.isWaiting {
            // Its room has not run the session's previous change yet: later messages take their turn after it.
            guard session.requests.value.waitingBytes + text.utf8.count <= Self.maxWaitingBytes else {
                logger.debug("too many requests waiting", metadata: ["session": "\(session.id)"])
                session.close(.policyViolation, reason: "too many requests waiting")
                return
            }
            session.requests.value.append(text)
            return
        }
        process(text, session: session)
    }

    /// What a session's messages may add up to while they wait for its room (four of the largest).
    static let maxWaitingBytes = 4 * Signaling.maxMessageBytes

    private func process(_ text: String, session: SignalingSession) {
        guard text.utf8.count <= Signaling.maxMessageBytes else {
            reject(.badMessage("message of \(text.utf8.count) bytes exceeds the limit of \(Signaling.maxMessageBytes)"), session)
            return
        }
        let message: ClientMessage
        do {
            message = try ClientMessage.decode(text: text)
        } catch {
            reject(error, session)
            return
        }
        if let seq = message.stateChangeSeq, !session.stateChanges.value.spend() {
            metrics.stateChangesRefused.increment()
            reject(.refused("too many room state changes: at most \(configuration.stateChangesPerSecond) per second (bursts of \(2 * configuration.stateChangesPerSecond))", seq: seq), session)
            return
        }
        switch message {
        case .heartbeat:
            session.send(Self.pongPayload)
        case .enter(let request):
            let admission: Admission
            do {
                admission = try Admission(request, apps: configuration.apps,
                                          requiringPrivateMapKey: configuration.appsRequiringPrivateMapKey,
                                          now: Int(Date().timeIntervalSince1970))
            } catch {
                if error.code == TrtcErrorCode.invalidPrivateMapKey.rawValue { metrics.permissionRefusals.increment() }
                reject(error, session)
                return
            }
            // The UserSig verified: the client is who it says, so its answers are no longer limited to its bytes.
            if session.authenticated() { session.send(Self.helloText) }
            session.requests.value.isWaiting = true
            registry.enter(admission, session: session, done: { resume(session) })
        case .leave(let seq):
            session.requests.value.isWaiting = true
            registry.leave(seq: seq, session: session, done: { resume(session) })
        case .switchRole(let seq, let role):
            session.requests.value.isWaiting = true
            registry.switchRole(seq: seq, role: role, session: session, done: { resume(session) })
        case .publish(let seq, let video, let audio):
            session.requests.value.isWaiting = true
            registry.publish(seq: seq, video: video, audio: audio, session: session, done: { resume(session) })
        case .offer(let seq, let sdp, let streams):
            session.requests.value.isWaiting = true
            registry.renegotiate(seq: seq, sdp: sdp, streams: streams, session: session, done: { resume(session) })
        }
    }

    /// The room ran the session's change (on whichever thread ran the room): the messages that came meanwhile are
    /// looked at now, in order, on the session's event loop.
    private func resume(_ session: SignalingSession) {
        session.eventLoop.execute {
            session.requests.value.isWaiting = false
            while !session.requests.value.isWaiting, let text = session.requests.value.next() {
                guard !session.isRetired.load(ordering: .relaxed) else { return session.requests.value.removeAll() }
                process(text, session: session)
            }
        }
    }

    private func reject(_ error: SignalingError, _ session: SignalingSession) {
        metrics.badMessages.increment()
        logger.debug("rejected", metadata: ["session": "\(session.id)", "code": "\(error.code)", "error": "\(error.message)"])
        session.sendError(error)
    }
}

extension ClientMessage {
    /// The seq of a message that changes room state (what others are told of), nil for the others.
    var stateChangeSeq: UInt32? {
        switch self {
        case .enter(let request): request.seq
        case .publish(let seq, _, _), .switchRole(let seq, _), .offer(let seq, _, _): seq
        case .leave, .heartbeat: nil
        }
    }
}

/// Connection ids, unique for the process's life.
final class SessionIdGenerator: Sendable {
    private let last = Atomic<UInt64>(0)
    func next() -> UInt64 { last.add(1, ordering: .relaxed).newValue }
}

public enum TrtcServerVersion {
    public static let string = "0.1.0"
}
