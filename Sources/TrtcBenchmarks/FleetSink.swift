import Synchronization
import TrtcClient

/// The part of a client fleet the client tasks share: their channels and the driver's event queue.
final class FleetSink: Sendable {
    let events: AsyncStream<FleetEvent>
    private let continuation: AsyncStream<FleetEvent>.Continuation
    private let channels: Mutex<[Int: SignalingChannel]> = Mutex([:])
    /// Room events (userEnter/userLeave/...) received by all clients; counted, not queued.
    let roomEvents = Atomic<Int>(0)
    let pongs = Atomic<Int>(0)

    init() {
        (events, continuation) = AsyncStream.makeStream(of: FleetEvent.self)
    }

    func yield(_ event: FleetEvent) {
        continuation.yield(event)
    }

    func finish() {
        continuation.finish()
    }

    func attach(_ channel: SignalingChannel, client: Int) {
        channels.withLock { $0[client] = channel }
    }

    func detach(client: Int) {
        channels.withLock { $0[client] = nil }
    }

    func channel(_ client: Int) -> SignalingChannel? {
        channels.withLock { $0[client] }
    }
}
