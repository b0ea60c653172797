import Synchronization

/// The front of a publisher's encoder queue, the same for audio and video: where to send, what was done, and the
/// bounded queue that drops work while the encoder is behind.
final class PublisherGate: Sendable {
    let target = Mutex(PublishTarget())
    let stats = Mutex(PublisherStatistics())
    private let queue: BoundedSerialQueue

    init(label: String, limit: Int) {
        queue = BoundedSerialQueue(label: label, limit: limit)
    }

    var statistics: PublisherStatistics { stats.withLock { $0 } }

    /// Runs `encode` on the encoder queue when sending is on; never blocks: beyond the queue's limit it is dropped.
    func submit(_ encode: @escaping @Sendable () -> Void) {
        guard target.withLock({ $0.isLive }) else { return }
        stats.withLock { $0.framesOffered += 1 }
        if !queue.submit(encode) {
            stats.withLock { $0.framesDroppedBehind += 1 }
        }
    }

    /// Returns once everything already submitted has run (blocks: for dispatch queues such as the device queue).
    func drain() {
        queue.drain()
    }

    /// The same without blocking a thread.
    func drained() async {
        await queue.drained()
    }
}
