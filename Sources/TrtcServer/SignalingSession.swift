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
        /// The client authenticated: what follows is not limited to the bytes it sent (`AmplificationGuardHandler`).
        case authenticated

        /// Bytes on the wire (a server's frames are not masked).
        var frameBytes: Int {
            func frame(_ payload: Int) -> Int { payload + (payload < 126 ? 2 : payload < 65_536 ? 4 : 10) }
            return switch self {
            case .payload(let payload), .pong(let payload): frame(payload.readableBytes)
            case .close(_, let reason): frame(2 + reason.utf8.count)
            case .authenticated: 0
            }
        }
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
    /// Set by the first `enter` whose UserSig verified (`authenticated()`).
    private let isAuthenticated = Synchronization.Atomic<Bool>(false)
    /// Room state changes this session may still ask for (enter, publish, switchRole). Spent only by the session's
    /// messages, which are handled on its connection's event loop: owned by that loop, so no lock (NIO checks the
    /// owner in debug builds).
    let stateChanges: NIOLoopBoundBox<StateChangeBudget>
    /// The room this session is a member of: set and cleared only by that room's changes (`RoomRegistry`).
    let membership = NIOLockedValueBox<RoomRegistry.Membership?>(nil)
    /// Whether the session's last room change is still to run, and the messages that came meanwhile (they wait for
    /// it, so that a session's requests are answered in order). Owned by the event loop, like `stateChanges`.
    let requests: NIOLoopBoundBox<WaitingRequests>
    private let channel: any Channel
    /// The connection's amplification guard (nil in tests that run a session without one).
    private let byteGuard: NIOLoopBound<AmplificationGuardHandler>?
    private let outbox = NIOLockedValueBox(Outbox())
    private let maxQueuedMessages: Int
    /// Before `enter` a client is only owed pongs and error answers: a few messages, however fast it pings.
    /// A client that pings without reading is cut off at this many instead of `maxQueuedMessages`, so an
    /// unauthenticated connection's queue stays small (20,000 of them at 1,024 queued pongs each would be ~4 GiB).
    static let maxQueuedBeforeEntering = 32
    private var queueLimit: Int {
        hasEntered.load(ordering: .relaxed) ? maxQueuedMessages : min(maxQueuedMessages, Self.maxQueuedBeforeEntering)
    }
    private let metrics: ServerMetrics

    init(id: UInt64, channel: any Channel, byteGuard: NIOLoopBound<AmplificationGuardHandler>? = nil, maxQueuedMessages: Int,
         stateChangesPerSecond: Int = 10, metrics: ServerMetrics) {
        self.id = id
        self.byteGuard = byteGuard
        self.stateChanges = NIOLoopBoundBox(StateChangeBudget(perSecond: stateChangesPerSecond), eventLoop: channel.eventLoop)
        self.requests = NIOLoopBoundBox(WaitingRequests(), eventLoop: channel.eventLoop)
        self.channel = channel
        self.maxQueuedMessages = maxQueuedMessages
        self.metrics = metrics
        self.lastSeen = Synchronization.Atomic(MonotonicClock.milliseconds)
    }

    /// The connection's event loop: the session's messages are handled there.
    var eventLoop: any EventLoop { channel.eventLoop }

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

    /// The client proved who it is (its `enter`'s UserSig verified): lifts the connection's amplification guard, in
    /// order with the messages queued before and after.
    /// Returns false when it had been lifted already.
    @discardableResult
    func authenticated() -> Bool {
        guard !isAuthenticated.exchange(true, ordering: .relaxed) else { return false }
        enqueue(.authenticated)
        return true
    }

    /// An error answer. Before the client authenticated, the connection's amplification guard lets out only as many
    /// bytes as the client sent: an answer that would not fit goes without its message text, and if even that does
    /// not fit the connection is closed with 1008 and no reason (a 4-byte frame) instead of being answered.
    /// Any thread: the choice is made on the event loop, which owns the guard (before `enter` a session's answers are
    /// its own requests', which wait for each other, so the hop reorders nothing).
    func sendError(_ error: SignalingError) {
        guard let byteGuard, !isAuthenticated.load(ordering: .relaxed) else { return send(.error(error)) }
        guard eventLoop.inEventLoop else { return eventLoop.execute { self.sendError(error) } }
        let queued = outbox.withLockedValue { $0.items.reduce(0) { $0 + $1.frameBytes } }
        let remaining = byteGuard.value.remaining - queued
        let full = Self.payload(.error(error))
        let short = ByteBuffer(string: Self.shortErrorText(error))
        if Outgoing.payload(full).frameBytes <= remaining {
            send(full)
        } else if Outgoing.payload(short).frameBytes <= remaining {
            send(short)
        } else {
            close(.policyViolation)
        }
    }

    /// A close frame's reason, or none when the frame with it would exceed what an unauthenticated client sent. On
    /// the event loop.
    func fittingCloseReason(_ reason: String) -> String {
        guard let byteGuard, !reason.isEmpty,
              byteGuard.value.remaining < Outgoing.close(.normalClosure, reason: reason).frameBytes else { return reason }
        return ""
    }

    /// An `error` without its message text: `{"code":-3340,"kind":"bad-message","seq":1,"type":"error"}`.
    static func shortErrorText(_ error: SignalingError) -> String {
        var fields: [String: JSONValue] = [
            "type": .string("error"), "code": .integer(Int64(error.code)), "kind": .string(error.kind.rawValue),
        ]
        if let seq = error.seq { fields["seq"] = .integer(Int64(seq)) }
        return JSONCoding.print(.object(fields))
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
                let reason = fittingCloseReason(reason)
                var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
                data.write(webSocketErrorCode: code)
                data.writeString(reason)
                // The client answers with its close frame and the handler then closes (see `enqueue` for the limit).
                channel.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: data), promise: nil)
            case .authenticated:
                channel.triggerUserOutboundEvent(ConnectionAuthenticated(), promise: nil)
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

/// A session's messages that wait for its room to run its previous change (`SignalingSession.requests`).
struct WaitingRequests {
    var isWaiting = false
    private var texts: [String] = []
    private var head = 0
    private(set) var waitingBytes = 0

    mutating func append(_ text: String) {
        texts.append(text)
        waitingBytes += text.utf8.count
    }

    mutating func next() -> String? {
        guard head < texts.count else { return nil }
        let text = texts[head]
        head += 1
        waitingBytes -= text.utf8.count
        if head == texts.count { removeAll() }
        return text
    }

    mutating func removeAll() {
        texts = []
        head = 0
        waitingBytes = 0
    }
}
