/// The SFU's pacer for one receiver whose downlink is known to be narrow (issue 14 §3; LiveKit's per-participant
/// leaky bucket): while a rate is set, what the server sends that receiver leaves at that rate, in order, instead of
/// at once. Without it a key frame (at 640×480 and 800 kbit/s up to ~30 KB: libvpx's intra limit is nine frames'
/// budget) arrived at once at a 300 kbit/s link whose queue holds 300 ms (11 KB): most of it was dropped, the
/// receiver asked for it again and again, the repairs overflowed the queue too, and its PLIs made the publisher send
/// a key frame every second for everyone (release build: the unlimited viewer 4.8 fps, the limited one 4.3).
///
/// Bounded: at most `maximumQueueDelay` of the rate waits; beyond it the oldest are dropped (and counted: the
/// receiver asks for what it needs again). With no rate set nothing is paced; a queue left when the rate is cleared
/// still drains at the last rate, so the order holds.
///
/// A value without I/O: `enqueue` says whether the element leaves now, `due` which have to leave at `now` and when
/// to call it next. Times are monotonic and passed in.
public struct DownlinkPacer<Element> {
    /// Two seconds: a key frame is up to nine frames' worth of the whole stream (~30 KB at 800 kbit/s), which takes
    /// 1–2 s at a narrow receiver's rate, and must not be cut by its own queue limit.
    public static var maximumQueueDelay: Duration { .seconds(2) }

    /// The rate set (bits/s), nil: not paced.
    public private(set) var rateBitsPerSecond: Int?
    private var drainRate: Int?
    private var budget = PacingBudget(targetBitsPerSecond: 0, rateFactor: 1)
    private var queue: [(element: Element, bytes: Int)] = []
    private var head = 0
    public private(set) var queuedBytes = 0
    /// Elements dropped because the queue was full (cumulative).
    public private(set) var dropped = 0
    /// Elements that waited in the queue (cumulative).
    public private(set) var paced = 0

    public init() {}

    public var isEmpty: Bool { head == queue.count }

    /// How long what waits now takes to leave (zero when not pacing).
    public var queueDelay: Duration { transmissionTime(bytes: queuedBytes) }

    /// How long `bytes` take to leave at the pacing rate (zero when not pacing).
    public func transmissionTime(bytes: Int) -> Duration {
        guard let rate = drainRate, rate > 0 else { return .zero }
        return .nanoseconds(Int64(bytes) * 8 * 1_000_000_000 / Int64(rate))
    }

    /// Paces at `bitsPerSecond` from now on (nil: stops pacing once the queue is empty).
    public mutating func setRate(bitsPerSecond: Int?) {
        rateBitsPerSecond = bitsPerSecond.map { max($0, 1) }
        if let rate = rateBitsPerSecond {
            if drainRate == nil {
                budget = PacingBudget(targetBitsPerSecond: rate, rateFactor: 1)  // starts with a packet's worth
            } else {
                budget.setTarget(bitsPerSecond: rate)
            }
            drainRate = rate
        }
    }

    /// `element` of `bytes`: returned when it may leave now, nil when it waits (or the full queue dropped one).
    public mutating func enqueue(_ element: Element, bytes: Int, now: Duration) -> Element? {
        guard let rate = drainRate else { return element }
        if isEmpty, rateBitsPerSecond == nil {
            drainRate = nil
            return element
        }
        if isEmpty, budget.canSend(now: now) {
            budget.spend(bytes, now: now)
            return element
        }
        queue.append((element, bytes))
        queuedBytes += bytes
        paced += 1
        let limit = Double(rate) / 8 * Self.seconds(Self.maximumQueueDelay)
        while Double(queuedBytes) > limit, !isEmpty {
            queuedBytes -= queue[head].bytes
            head += 1
            dropped += 1
        }
        compact()
        return nil
    }

    /// Drops what waits and matches `predicate` (counted in `dropped`); returns how many.
    @discardableResult
    public mutating func removeAll(where predicate: (Element) -> Bool) -> Int {
        var kept: [(element: Element, bytes: Int)] = []
        var removed = 0
        for entry in queue[head...] {
            if predicate(entry.element) {
                removed += 1
                queuedBytes -= entry.bytes
            } else {
                kept.append(entry)
            }
        }
        queue = kept
        head = 0
        dropped += removed
        return removed
    }

    /// The elements that may leave at `now`, in order, and when to call again (nil: nothing waits).
    public mutating func due(now: Duration) -> (send: [Element], next: Duration?) {
        var send: [Element] = []
        while !isEmpty, budget.canSend(now: now) {
            let (element, bytes) = queue[head]
            head += 1
            queuedBytes -= bytes
            budget.spend(bytes, now: now)
            send.append(element)
        }
        compact()
        if isEmpty {
            if rateBitsPerSecond == nil { drainRate = nil }
            return (send, nil)
        }
        return (send, max(budget.nextSend(now: now), now + .milliseconds(1)))
    }

    private mutating func compact() {
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 256, head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
