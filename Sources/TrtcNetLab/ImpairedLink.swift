/// One direction of an impaired link, as a state machine without I/O: each packet handed to `send` gets a
/// verdict (dropped, and why, or delivered at a time). Times are durations since the link started, passed in.
///
/// A packet goes through, in this order: an outage (lost), the capacity's drop-tail queue (dropped when full,
/// otherwise it leaves after waiting and being serialised), loss on the wire (Gilbert–Elliott), then the delay
/// plus jitter. Loss and jitter draw from separate seeded streams, so the same seed and the same packets give the
/// same verdicts, and changing the jitter does not move which packets are lost.
public struct ImpairedLink: Sendable {
    public enum Verdict: Sendable, Equatable {
        case deliver(at: Duration)
        case drop(DropReason)
    }

    public enum DropReason: String, Sendable, CaseIterable {
        case outage, queue, loss
    }

    public struct Statistics: Sendable, Equatable {
        public var packets = 0
        public var delivered = 0
        public var dropped: [DropReason: Int] = [:]
        public var bytesDelivered = 0
        public init() {}
        public var lost: Int { packets - delivered }
    }

    public private(set) var profile: ImpairmentProfile
    public private(set) var statistics = Statistics()
    private var chain: GilbertElliottChain
    private var capacity: LinkCapacity?
    private var lossRandom: NetLabRandom
    private var jitterRandom: NetLabRandom
    private var lastDelivery: Duration = .zero

    public init(_ profile: ImpairmentProfile, seed: UInt64) {
        self.profile = profile
        chain = GilbertElliottChain(profile.loss)
        capacity = Self.capacity(of: profile)
        lossRandom = NetLabRandom(seed: seed, stream: 1)
        jitterRandom = NetLabRandom(seed: seed, stream: 2)
    }

    private static func capacity(of profile: ImpairmentProfile) -> LinkCapacity? {
        profile.capacity.isEmpty ? nil
            : LinkCapacity(schedule: profile.capacity.map { ($0.from, $0.bitsPerSecond) }, queueLimit: profile.queueLimit)
    }

    /// The verdict for a packet of `bytes` (UDP payload) sent at `now`.
    public mutating func send(bytes: Int, at now: Duration) -> Verdict {
        statistics.packets += 1
        let verdict = decide(bytes: bytes, at: now)
        switch verdict {
        case .deliver:
            statistics.delivered += 1
            statistics.bytesDelivered += bytes
        case .drop(let reason):
            statistics.dropped[reason, default: 0] += 1
        }
        return verdict
    }

    private mutating func decide(bytes: Int, at now: Duration) -> Verdict {
        if profile.outages.contains(where: { $0.covers(now) }) { return .drop(.outage) }
        var leaves = now
        if capacity != nil {
            guard let departure = capacity!.enqueue(bytes: bytes, now: now) else { return .drop(.queue) }
            leaves = departure
        }
        if chain.nextIsLost(using: &lossRandom) { return .drop(.loss) }
        var delay = profile.delay
        if profile.jitter > .zero {
            let extra = profile.jitter * jitterRandom.normal()
            delay = max(.zero, delay + extra)
        }
        var delivery = leaves + delay
        if !profile.allowsReordering { delivery = max(delivery, lastDelivery) }
        lastDelivery = max(lastDelivery, delivery)
        return .deliver(at: delivery)
    }

    /// Every packet sent in [`start`, `start + duration`) is lost (a test's outage at a moment it chooses).
    public mutating func addOutage(start: Duration, duration: Duration) {
        profile.outages.append(.init(start: start, duration: duration))
    }

    /// New settings from now on; the random streams, the queue and the chain's state carry on.
    public mutating func update(_ new: ImpairmentProfile) {
        if new.capacity != profile.capacity || new.queueLimit != profile.queueLimit { capacity = Self.capacity(of: new) }
        chain.model = new.loss
        profile = new
    }
}
