/// How much a link may hold waiting to be sent: drop-tail, in packets, in bytes, or in time — a packet that would
/// leave more than that after it arrived is dropped, so the queue holds the same delay whatever the rate (RFC 8867
/// §4's "300 ms" bottleneck queue, which in bytes sized for 1 Mbit/s is 500 ms at 0.6 Mbit/s).
public enum QueueLimit: Sendable, Equatable, Codable {
    case packets(Int)
    case bytes(Int)
    case delay(Duration)
}

/// A bottleneck: packets are serialised one after another at the current rate (a token bucket without burst,
/// i.e. a fixed-rate link) and wait in a drop-tail queue; a packet that does not fit is dropped. The rate may
/// follow a schedule (RFC 8867 §5.1's steps). I/O-free: times are durations since the link started.
public struct LinkCapacity: Sendable {
    /// (from, bits per second); 0 means unlimited. Sorted by time; the first step applies from its time on.
    public private(set) var schedule: [(from: Duration, bitsPerSecond: Int)]
    public var queueLimit: QueueLimit
    /// Bytes each packet costs on the link besides its UDP payload (IP + UDP headers: 28 for IPv4).
    public var overheadBytes: Int
    /// Departure times and sizes of packets still in the queue (being serialised or waiting).
    private var queued: [(departure: Duration, bytes: Int)] = []
    private var head = 0
    private var queuedBytes = 0
    private var lastDeparture: Duration = .zero

    public init(bitsPerSecond: Int, queueLimit: QueueLimit = .packets(100), overheadBytes: Int = 28) {
        self.init(schedule: [(.zero, bitsPerSecond)], queueLimit: queueLimit, overheadBytes: overheadBytes)
    }

    public init(schedule: [(from: Duration, bitsPerSecond: Int)], queueLimit: QueueLimit = .packets(100), overheadBytes: Int = 28) {
        self.schedule = schedule.sorted { $0.from < $1.from }
        self.queueLimit = queueLimit
        self.overheadBytes = overheadBytes
    }

    /// The rate at `time` (0: unlimited).
    public func bitsPerSecond(at time: Duration) -> Int {
        schedule.last { $0.from <= time }?.bitsPerSecond ?? 0
    }

    /// Packets in the queue at the last `enqueue`.
    public var queuedPackets: Int { queued.count - head }

    /// When a packet of `bytes` arriving at `now` leaves the link, or nil when the queue is full (drop-tail).
    public mutating func enqueue(bytes: Int, now: Duration) -> Duration? {
        while head < queued.count, queued[head].departure <= now {
            queuedBytes -= queued[head].bytes
            head += 1
        }
        if head > 64, head * 2 > queued.count {
            queued.removeFirst(head)
            head = 0
        }
        let start = max(now, lastDeparture)
        let rate = bitsPerSecond(at: start)
        guard rate > 0 else { return now }
        let size = bytes + overheadBytes
        switch queueLimit {
        case .packets(let limit): if queuedPackets >= limit { return nil }
        case .bytes(let limit): if queuedBytes + size > limit { return nil }
        case .delay: break  // judged by the departure time below
        }
        let departure = start + .nanoseconds(Int64(size) * 8 * 1_000_000_000 / Int64(rate))
        if case .delay(let limit) = queueLimit, departure - now > limit { return nil }
        queued.append((departure, size))
        queuedBytes += size
        lastDeparture = departure
        return departure
    }
}
