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
        if case .dropped = outbox.yield(.text(text)) {
            outbox.finish()
        }
    }

    func send(_ message: ServerMessage) {
        send(message.text)
    }

    func close(goingAway: Bool = false) {
        outbox.yield(.close(goingAway: goingAway))
        outbox.finish()
    }
}
