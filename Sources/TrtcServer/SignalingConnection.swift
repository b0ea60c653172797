import Foundation
import HummingbirdWebSocket
import Logging
import Synchronization
import TrtcCore

/// Runs one signaling WebSocket: reads and answers client messages, and writes what the registry queues for it.
struct SignalingConnection: Sendable {
    let configuration: ServerConfiguration
    let registry: RoomRegistry
    let metrics: ServerMetrics
    let sessionIds: SessionIdGenerator
    let logger: Logger

    /// Frames up to this size are read and answered with an error if too large for the protocol; larger ones
    /// close the connection with 1009 (message too big) at the WebSocket layer.
    static let maxFrameBytes = 1 << 20

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        let (outbox, continuation) = AsyncStream.makeStream(
            of: SignalingSession.Outgoing.self,
            bufferingPolicy: .bufferingOldest(configuration.maxQueuedMessagesPerSession))
        let session = SignalingSession(id: sessionIds.next(), outbox: continuation, metrics: metrics)
        metrics.connections.increment()
        defer { metrics.connections.decrement() }
        session.send(.hello(protocolVersion: Signaling.protocolVersion, server: "trtc-server/\(TrtcServerVersion.string)"))
        await registry.register(session)

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await Self.write(outbox, to: outbound, session: session)
            }
            do {
                for try await message in inbound.messages(maxSize: Self.maxFrameBytes) {
                    session.touch()
                    metrics.messagesIn.increment()
                    guard case .text(let text) = message else {
                        metrics.badMessages.increment()
                        session.send(.error(.badMessage("binary messages are not part of the signaling protocol")))
                        continue
                    }
                    await handle(text, session: session)
                }
            } catch {
                logger.debug("signaling connection ended", metadata: ["session": "\(session.id)", "error": "\(error)"])
            }
            session.isOpen.store(false, ordering: .relaxed)
            continuation.finish()
            await registry.connectionClosed(session)
        }
    }

    private static func write(_ outbox: AsyncStream<SignalingSession.Outgoing>, to outbound: WebSocketOutboundWriter,
                              session: SignalingSession) async {
        for await item in outbox {
            switch item {
            case .text(let text):
                defer { session.didWrite() }
                do { try await outbound.write(.text(text)) } catch { return }
            case .close(let goingAway):
                try? await outbound.close(goingAway ? .goingAway : .normalClosure, reason: nil)
                return
            }
        }
        // The queue was finished without a close: the client is gone or too slow.
        try? await outbound.close(.policyViolation, reason: "too slow")
    }

    /// Heartbeats are most of a held room's traffic: their usual form (as TrtcClient sends it) is answered without
    /// the JSON parser; any other spelling takes the general path below and gets the same answer.
    static let canonicalHeartbeat = ClientMessage.heartbeat.text
    static let pongText = ServerMessage.pong.text

    private func handle(_ text: String, session: SignalingSession) async {
        if text == Self.canonicalHeartbeat {
            session.send(Self.pongText)
            return
        }
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
        switch message {
        case .heartbeat:
            session.send(Self.pongText)
        case .enter(let request):
            let admission: Admission
            do {
                admission = try Admission(request, apps: configuration.apps, now: Int(Date().timeIntervalSince1970))
            } catch {
                reject(error, session)
                return
            }
            await registry.enter(admission, session: session)
        case .leave(let seq):
            await registry.leave(seq: seq, session: session)
        case .switchRole(let seq, let role):
            await registry.switchRole(seq: seq, role: role, session: session)
        case .publish(let seq, let video, let audio):
            await registry.publish(seq: seq, video: video, audio: audio, session: session)
        }
    }

    private func reject(_ error: SignalingError, _ session: SignalingSession) {
        metrics.badMessages.increment()
        logger.debug("rejected", metadata: ["session": "\(session.id)", "code": "\(error.code)", "error": "\(error.message)"])
        session.send(.error(error))
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
