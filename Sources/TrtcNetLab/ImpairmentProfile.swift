/// What one direction of a link does to packets (modelled on libwebrtc's `BuiltInNetworkBehaviorConfig`):
/// outages, a capacity with a drop-tail queue (and a schedule of rates), random or bursty loss, a fixed delay with
/// normally distributed jitter, with or without reordering. A value; `ImpairedLink` applies it.
public struct ImpairmentProfile: Sendable, Equatable {
    /// One-way delay every packet gets.
    public var delay: Duration = .zero
    /// Standard deviation of a normally distributed extra delay (negative draws shorten the delay, never below 0).
    public var jitter: Duration = .zero
    /// Whether jitter may deliver a packet before one sent earlier; if not, packets keep their order (and the
    /// jitter only bunches them).
    public var allowsReordering = false
    public var loss: GilbertElliottLoss = .none
    /// (from, bits per second); empty or 0: unlimited.
    public var capacity: [CapacityStep] = []
    public var queueLimit: QueueLimit = .packets(100)
    /// Windows, from the link's start, during which every packet is lost.
    public var outages: [Outage] = []

    public struct CapacityStep: Sendable, Equatable {
        public var from: Duration
        public var bitsPerSecond: Int
        public init(from: Duration, bitsPerSecond: Int) {
            self.from = from
            self.bitsPerSecond = bitsPerSecond
        }
    }

    public struct Outage: Sendable, Equatable {
        public var start: Duration
        public var duration: Duration
        public init(start: Duration, duration: Duration) {
            self.start = start
            self.duration = duration
        }
        func covers(_ time: Duration) -> Bool { time >= start && time < start + duration }
    }

    public init(delay: Duration = .zero, jitter: Duration = .zero, allowsReordering: Bool = false, loss: GilbertElliottLoss = .none,
                bitsPerSecond: Int = 0, queueLimit: QueueLimit = .packets(100), outages: [Outage] = []) {
        self.delay = delay
        self.jitter = jitter
        self.allowsReordering = allowsReordering
        self.loss = loss
        self.capacity = bitsPerSecond > 0 ? [CapacityStep(from: .zero, bitsPerSecond: bitsPerSecond)] : []
        self.queueLimit = queueLimit
        self.outages = outages
    }

    /// A clean link: every packet delivered at once.
    public static let clean = ImpairmentProfile()
}

extension ImpairmentProfile {
    /// Reads the compact form used on command lines, comma-separated `key=value`:
    /// `delay=50ms`, `jitter=10ms`, `reorder`, `loss=2%` (random), `burst=4` (with `loss`: bursty, mean burst in
    /// packets), `rate=1000kbit` (also `mbit`, `bit`), `rates=0s:1mbit/40s:2.5mbit/60s:600kbit`, `queue=50pkt`,
    /// `queue=64kb` (also `b`) or `queue=300ms` (the longest wait: the same delay at every rate of a schedule), `outage=3s+2s` (start+duration; repeatable). Durations take `ms`, `s` or `us`.
    public init(parsing text: String) throws(ImpairmentParseError) {
        self.init()
        var lossRate = 0.0
        var burst: Double?
        for item in text.split(separator: ",").map({ $0.trimmingWhitespace() }) where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            let key = parts[0]
            let value = parts.count == 2 ? parts[1] : ""
            switch key {
            case "delay": delay = try Self.duration(value, item)
            case "jitter": jitter = try Self.duration(value, item)
            case "reorder": allowsReordering = true
            case "loss": lossRate = try Self.fraction(value, item)
            case "burst":
                guard let mean = Double(value), mean >= 1 else { throw ImpairmentParseError(item) }
                burst = mean
            case "rate": capacity = [CapacityStep(from: .zero, bitsPerSecond: try Self.rate(value, item))]
            case "rates":
                capacity = try value.split(separator: "/").map { step throws(ImpairmentParseError) in
                    let fields = step.split(separator: ":").map(String.init)
                    guard fields.count == 2 else { throw ImpairmentParseError(item) }
                    return CapacityStep(from: try Self.duration(fields[0], item), bitsPerSecond: try Self.rate(fields[1], item))
                }
            case "queue":
                if value.hasSuffix("s"), let limit = try? Self.duration(value, item), limit > .zero {
                    queueLimit = .delay(limit)
                } else if value.hasSuffix("pkt"), let packets = Int(value.dropLast(3)), packets > 0 {
                    queueLimit = .packets(packets)
                } else if value.hasSuffix("kb"), let kilobytes = Int(value.dropLast(2)), kilobytes > 0 {
                    queueLimit = .bytes(kilobytes * 1000)
                } else if value.hasSuffix("b"), let bytes = Int(value.dropLast(1)), bytes > 0 {
                    queueLimit = .bytes(bytes)
                } else {
                    throw ImpairmentParseError(item)
                }
            case "outage":
                let fields = value.split(separator: "+").map(String.init)
                guard fields.count == 2 else { throw ImpairmentParseError(item) }
                outages.append(Outage(start: try Self.duration(fields[0], item), duration: try Self.duration(fields[1], item)))
            default:
                throw ImpairmentParseError(item)
            }
        }
        guard lossRate < 1 else { throw ImpairmentParseError("loss=100%") }
        loss = burst.map { GilbertElliottLoss.bursty(averageLoss: lossRate, meanBurstLength: $0) } ?? (lossRate > 0 ? .random(lossRate) : .none)
    }

    private static func duration(_ text: String, _ item: String) throws(ImpairmentParseError) -> Duration {
        for (suffix, scale) in [("us", 1e-6), ("ms", 1e-3), ("s", 1.0)] where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number >= 0 else { break }
            return .nanoseconds(Int64((number * scale * 1e9).rounded()))
        }
        throw ImpairmentParseError(item)
    }

    private static func fraction(_ text: String, _ item: String) throws(ImpairmentParseError) -> Double {
        guard text.hasSuffix("%"), let percent = Double(text.dropLast()), percent >= 0, percent <= 100 else { throw ImpairmentParseError(item) }
        return percent / 100
    }

    private static func rate(_ text: String, _ item: String) throws(ImpairmentParseError) -> Int {
        for (suffix, scale) in [("kbit", 1e3), ("mbit", 1e6), ("bit", 1.0)] where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number > 0 else { break }
            return Int(number * scale)
        }
        throw ImpairmentParseError(item)
    }
}

public struct ImpairmentParseError: Error, Equatable, CustomStringConvertible {
    public let item: String
    init(_ item: String) { self.item = item }
    public var description: String { "cannot read impairment '\(item)'" }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
