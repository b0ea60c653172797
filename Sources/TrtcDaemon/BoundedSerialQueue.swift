import Dispatch
import Synchronization

/// A serial queue that refuses work while `limit` items are already waiting or running: the producer (a capture
/// callback) never blocks, and a consumer that falls behind costs frames, not latency.
final class BoundedSerialQueue: Sendable {
    let limit: Int
    private let queue: DispatchQueue
    private let inFlight = Atomic<Int>(0)

    init(label: String, limit: Int) {
        self.limit = limit
        queue = DispatchQueue(label: label, qos: .userInteractive)
    }

    /// Runs `work` on the queue unless `limit` items are pending; returns false when it was refused.
    func submit(_ work: @escaping @Sendable () -> Void) -> Bool {
        guard inFlight.add(1, ordering: .acquiringAndReleasing).newValue <= limit else {
            inFlight.subtract(1, ordering: .acquiringAndReleasing)
            return false
        }
        queue.async { [self] in
            work()
            inFlight.subtract(1, ordering: .acquiringAndReleasing)
        }
        return true
    }

    /// Returns once everything already submitted has run (blocks: for other dispatch queues only).
    func drain() {
        queue.sync {}
    }

    /// Returns once everything already submitted has run, without blocking a thread (for actors and async code).
    func drained() async {
        await withCheckedContinuation { continuation in queue.async { continuation.resume() } }
    }
}
