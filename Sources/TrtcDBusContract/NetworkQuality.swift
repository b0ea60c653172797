/// TRTC's network quality levels (`TRTCQuality`, onNetworkQuality), carried as `i` by the `NetworkQuality` signal.
public enum NetworkQuality: Int32, CaseIterable, Sendable, Comparable {
    case unknown = 0
    case excellent = 1
    case good = 2
    case poor = 3
    case bad = 4
    case veryBad = 5
    /// No media connection (not connected to the server's media port, or no consent for 30 s; reconnecting).
    case down = 6

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Loss (percent) and round trip (ms) from which a link rates at most `level`, worst first.
    public static let lossThresholds: [(level: NetworkQuality, percent: UInt32)] = [
        (.veryBad, 20), (.bad, 10), (.poor, 5), (.good, 2),
    ]
    public static let roundTripThresholds: [(level: NetworkQuality, milliseconds: UInt32)] = [
        (.veryBad, 800), (.bad, 400), (.poor, 200), (.good, 100),
    ]

    /// The documented rule (docs/spec.md, "NetworkQuality"): loss < 2 % and rtt < 100 ms excellent; < 5 % and
    /// < 200 ms good; < 10 % and < 400 ms poor; < 20 % and < 800 ms bad; worse very bad. Only what is measured
    /// counts; nothing measured is `unknown`. `down` is not a rating of numbers: the caller says it when there is
    /// no media connection.
    public static func rating(rttMilliseconds: UInt32?, lossPercent: UInt32?) -> NetworkQuality {
        guard rttMilliseconds != nil || lossPercent != nil else { return .unknown }
        var level = NetworkQuality.excellent
        if let lossPercent, let found = lossThresholds.first(where: { lossPercent >= $0.percent }) {
            level = max(level, found.level)
        }
        if let rttMilliseconds, let found = roundTripThresholds.first(where: { rttMilliseconds >= $0.milliseconds }) {
            level = max(level, found.level)
        }
        return level
    }
}
