import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket
import Synchronization
import TrtcCore

/// One signaling WebSocket as the registry sees it: messages for the client are queued here from any thread and
/// written by the connection's event loop, all that are queued at once with one flush.
final class SignalingSession: Sendable {
    enum Outgoing: Sendable {
        case payload(ByteBuffer)
        /// The answer to a ping: queued like a message, so that a client that pings and never reads is held to the
        /// same limit as one that never reads its messages.
        case pong(ByteBuffer)
        /// Close the connection after what was queued before.
        case close(WebSocketErrorCode, reason: String)
    }

    /// What waits for the event loop. `isFlushScheduled` keeps a burst of messages to one flush; while the socket's
    /// send buffer is full (`isWaitingForWritability`) messages wait here, up to the session's limit.
    private struct Outbox {
        var items: [Outgoing] = []
        var isFlushScheduled = false
        var isWaitingForWritability = false
        /// A close is queued or sent: nothing more is accepted.
        var isClosing = false
    }

    let id: UInt64
    /// Last time anything arrived on this connection (monotonic ms); read by the departure sweep.
    let lastSeen: Synchronization.Atomic<Int64>
    /// Cleared once the TCP connection is gone; a member whose session is closed only waits out its departure timeout.
    let isOpen = Synchronization.Atomic<Bool>(true)
    /// Set once the client was told it is out (`exit`, `ack` of `leave`, `shutdown`) and the connection is to close:
    /// what it sends from then on is ignored, so that it cannot enter again on a connection about to go.
    let isRetired = Synchronization.Atomic<Bool>(false)
    /// Set once an `enter` was admitted (its UserSig verified): from then on control frames count as signs of life
    /// too, and the enter deadline no longer applies.
    let hasEntered = Synchronization.Atomic<Bool>(false)
    /// Room state changes this session may still ask for (enter, publish, switchRole).
    let stateChanges: Synchronization.Mutex<StateChangeBudget>
    private let channel: any Channel
    private let outbox = NIOLockedValueBox(Outbox())
    private let maxQueuedMessages: Int
    /// Before `enter` a client is only owed the hello, pongs and error answers: a few messages, however fast it pings.
    /// A client that pings without reading is cut off at this many instead of `maxQueuedMessages`, so an
    /// unauthenticated connection's queue stays small (20,000 of them at 1,024 queued pongs each would be ~4 GiB).
    static let maxQueuedBeforeEntering = 32
    private var queueLimit: Int {
        hasEntered.load(ordering: .relaxed) ? maxQueuedMessages : min(maxQueuedMessages, Self.maxQueuedBeforeEntering)
    }
    private let metrics: ServerMetrics

    init(id: UInt64, channel: any Channel, maxQueuedMessages: Int, stateChangesPerSecond: Int = 10, metrics: ServerMetrics) {
        self.id = id
        self.stateChanges = Synchronization.Mutex(StateChangeBudget(perSecond: stateChangesPerSecond))
        self.channel = channel
        self.maxQueuedMessages = maxQueuedMessages
        self.metrics = metrics
        self.lastSeen = Synchronization.Atomic(MonotonicClock.milliseconds)
    }

    /// A message encoded once, to be sent to any number of sessions (a ByteBuffer is shared, not copied, by each write).
    static func payload(_ message: ServerMessage) -> ByteBuffer {
        ByteBuffer(string: message.text)
    }

    /// The address the client reached this connection at (an IP address), where a browser is told to send media
    /// when the media grant names no host.
    var localHost: String? { channel.localAddress?.ipAddress }

    func touch() {
        lastSeen.store(MonotonicClock.milliseconds, ordering: .relaxed)
    }

    func send(_ message: ServerMessage) {
        send(Self.payload(message))
    }

    func send(_ text: String) {
        send(ByteBuffer(string: text))
    }

    /// Queues a message. A client that lets its queue overflow is too slow to be in a real-time room: it is dropped.
    func send(_ payload: ByteBuffer) {
        metrics.messagesOut.increment()
        enqueue(.payload(payload))
    }

    /// Answers a ping with its payload.
    func sendPong(_ payload: ByteBuffer) {
        enqueue(.pong(payload))
    }

    func close(goingAway: Bool = false) {
        close(goingAway ? .goingAway : .normalClosure)
    }

    /// Closes after what is queued, with `code` and `reason` in the close frame.
    func close(_ code: WebSocketErrorCode, reason: String = "") {
        isRetired.store(true, ordering: .relaxed)
        enqueue(.close(code, reason: reason))
    }

    /// Tells many sessions the same thing and closes them (a dismissed room): one task per event loop writes every
    /// one of its sessions' message, and their closing handshakes start a moment later (`massCloseDelay`), so that
    /// no member's `exit` waits behind another's teardown — on either side: each close makes the client answer and
    /// the server tear the connection down, work that would otherwise compete with telling the rest.
    static func sendThenClose(_ payload: ByteBuffer, to sessions: [SignalingSession]) {
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, sessions: [SignalingSession])] = [:]
        for session in sessions {
            session.isRetired.store(true, ordering: .relaxed)
            session.metrics.messagesOut.increment()
            guard session.append(.payload(payload)) else { continue }
            let loop = session.channel.eventLoop
            byLoop[ObjectIdentifier(loop), default: (loop, [])].sessions.append(session)
        }
        for (loop, group) in byLoop.values {
            loop.execute {
                for session in group { session.flush() }
                loop.scheduleTask(in: massCloseDelay) {
                    for session in group { session.close() }
                }
            }
        }
    }

    /// Queues without scheduling a flush (the caller flushes); false if the session takes no more.
    private func append(_ item: Outgoing) -> Bool {
        let accepted: Bool? = outbox.withLockedValue { box in
            guard !box.isClosing else { return false }
            guard box.items.count < queueLimit else {
                box.items.removeAll()
                box.isClosing = true
                return nil
            }
            box.items.append(item)
            return true
        }
        if accepted == nil { channel.close(promise: nil) }
        return accepted == true
    }

    private func enqueue(_ item: Outgoing) {
        enum Action { case refused, queued, queuedAndScheduleFlush, dropSlowClient }
        let action: Action = outbox.withLockedValue { box in
            guard !box.isClosing else { return .refused }
            if case .close = item { box.isClosing = true }
            if box.items.count >= queueLimit {
                box.items.removeAll()
                box.isClosing = true
                return .dropSlowClient
            }
            box.items.append(item)
            guard !box.isFlushScheduled, !box.isWaitingForWritability else { return .queued }
            box.isFlushScheduled = true
            return .queuedAndScheduleFlush
        }
        switch action {
        case .refused, .queued: break
        case .queuedAndScheduleFlush: channel.eventLoop.execute { self.flush() }
        case .dropSlowClient:
            channel.close(promise: nil)
            return
        }
        if case .close = item, action != .refused {
            // A client that does not answer the close — or does not even read, so the close frame waits behind a full
            // socket — is cut off after `closeTimeout`.
            let channel = self.channel
            channel.eventLoop.scheduleTask(in: Self.closeTimeout) { channel.close(promise: nil) }
        }
    }

    /// Writes what is queued, in order, with one flush. Runs on the channel's event loop: from `enqueue`, and
    /// when a full send buffer drained (`channelWritabilityChanged`).
    func flush() {
        let items: [Outgoing] = outbox.withLockedValue { box in
            box.isFlushScheduled = false
            guard channel.isWritable else {
                box.isWaitingForWritability = true
                return []
            }
            box.isWaitingForWritability = false
            defer { box.items.removeAll(keepingCapacity: false) }
            return box.items
        }
        guard !items.isEmpty else { return }
        for item in items {
            switch item {
            case .payload(let payload):
                channel.write(WebSocketFrame(fin: true, opcode: .text, data: payload), promise: nil)
            case .pong(let payload):
                channel.write(WebSocketFrame(fin: true, opcode: .pong, data: payload), promise: nil)
            case .close(let code, let reason):
                var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
                data.write(webSocketErrorCode: code)
                data.writeString(reason)
                // The client answers with its close frame and the handler then closes (see `enqueue` for the limit).
                channel.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: data), promise: nil)
            }
        }
        channel.flush()
    }

    /// Whether a close frame has been queued or sent to the client (so the client's close frame is its answer).
    var isClosing: Bool { outbox.withLockedValue { $0.isClosing } }

    /// Marks the session closing without writing anything (the client closed first, or the connection is gone).
    func markClosing() {
        outbox.withLockedValue { box in
            box.isClosing = true
            box.items.removeAll()
        }
    }

    static let closeTimeout = TimeAmount.seconds(2)
    /// Long enough for a told client to close by itself (trtcd does on `exit`), short against the departure timeout.
    static let massCloseDelay = TimeAmount.milliseconds(200)
}
