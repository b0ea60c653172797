import Synchronization
import TrtcCore

/// One WebSocket connection. The registry decides about it; the connection's own task writes what is queued here.
final class SignalingSession: Sendable {
    enum Outgoing: Sendable {
        case text(String)
        /// Close the connection after what was queued before.
        case close(goingAway: Bool)
    }

    let id: UInt64
    /// Last time anything arrived on this connection (monotonic ms); read by the departure sweep.
    let lastSeen: Atomic<Int64>
    /// Cleared once the TCP connection is gone; a member whose session is closed only waits out its departure timeout.
    let isOpen = Atomic<Bool>(true)
    /// Messages queued and messages handed to the WebSocket, so a dismissal can close the connections only once
    /// every member's `exit` is on its way.
    private let queued = Atomic<Int>(0)
    private let written = Atomic<Int>(0)
    private let outbox: AsyncStream<Outgoing>.Continuation
    private let metrics: ServerMetrics

    init(id: UInt64, outbox: AsyncStream<Outgoing>.Continuation, metrics: ServerMetrics) {
        self.id = id
        self.outbox = outbox
        self.metrics = metrics
        self.lastSeen = Atomic(MonotonicClock.milliseconds())
    }

    func touch() {
        lastSeen.store(MonotonicClock.milliseconds(), ordering: .relaxed)
    }

    /// Queues a message. A client that lets its queue overflow is too slow to be in a real-time room: it is dropped.
    func send(_ text: String) {
        metrics.messagesOut.increment()
        queued.add(1, ordering: .relaxed)
        if case .dropped = outbox.yield(.text(text)) {
            queued.subtract(1, ordering: .relaxed)
            outbox.finish()
        }
    }

    /// Called by the connection's writer after each message it wrote (or could not write).
    func didWrite() {
        written.add(1, ordering: .relaxed)
    }

    /// Everything queued so far has been handed to the WebSocket (or the connection is gone).
    var isFlushed: Bool {
        !isOpen.load(ordering: .relaxed) || written.load(ordering: .relaxed) >= queued.load(ordering: .relaxed)
    }

    func send(_ message: ServerMessage) {
        send(message.text)
    }

    func close(goingAway: Bool = false) {
        outbox.yield(.close(goingAway: goingAway))
        outbox.finish()
    }
}
