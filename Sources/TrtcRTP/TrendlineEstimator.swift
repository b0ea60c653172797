/// Delay-based overuse detection after libwebrtc's goog_cc (`inter_arrival_delta.cc`, `trendline_estimator.cc`):
/// packets sent within 5 ms form a group; for consecutive groups the growth of one-way delay (arrival spacing minus
/// send spacing) is accumulated and smoothed, and the slope of a least-squares line over the last 20 groups is
/// compared with an adaptive threshold. A rising queue shows as a positive slope long before packets drop.
///
/// A value without I/O: times are the sender's send clock and the receiver's arrival clock (only differences count).
public struct TrendlineEstimator: Sendable {
    public enum Usage: Sendable, Equatable {
        case normal
        case overusing
        case underusing
    }

    static let groupLength = Duration.milliseconds(5)
    static let windowSize = 20
    static let smoothing = 0.9
    static let thresholdGain = 4.0
    static let overuseTimeThresholdMs = 10.0
    static let thresholdUp = 0.0087
    static let thresholdDown = 0.039

    private struct Group {
        var firstSend: Duration
        var lastSend: Duration
        var firstArrival: Duration
        var lastArrival: Duration
        var size: Int
    }

    private var current: Group?
    private var previous: Group?
    private var firstArrival: Duration?
    private var accumulatedDelayMs = 0.0
    private var smoothedDelayMs = 0.0
    private var samples: [(arrivalMs: Double, delayMs: Double)] = []
    private var deltaCount = 0
    private var threshold = 12.5
    private var lastThresholdUpdate: Duration?
    private var previousTrend = 0.0
    private var timeOverUsingMs = -1.0
    private var overuseCount = 0
    public private(set) var usage: Usage = .normal

    public init() {}

    /// One acknowledged packet, in arrival order. Returns the usage when a group completed (nil otherwise).
    @discardableResult
    public mutating func packet(sent: Duration, arrived: Duration, size: Int) -> Usage? {
        guard var group = current else {
            current = Group(firstSend: sent, lastSend: sent, firstArrival: arrived, lastArrival: arrived, size: size)
            return nil
        }
        if sent < group.firstSend { return nil }  // reordered from an older group
        // Within the group's 5 ms of sending, or a burst that arrived back to back (queued behind each other).
        let sameGroup = sent - group.firstSend <= Self.groupLength
            || (arrived - group.lastArrival < Self.groupLength && (arrived - group.lastArrival) < (sent - group.lastSend)
                && arrived - group.firstArrival < .milliseconds(100))
        if sameGroup {
            group.lastSend = max(group.lastSend, sent)
            group.lastArrival = max(group.lastArrival, arrived)
            group.size += size
            current = group
            return nil
        }
        defer {
            previous = group
            current = Group(firstSend: sent, lastSend: sent, firstArrival: arrived, lastArrival: arrived, size: size)
        }
        guard let previous else { return nil }
        let sendDelta = group.lastSend - previous.lastSend
        let arrivalDelta = group.lastArrival - previous.lastArrival
        // A jump of seconds is a pause or a clock reset, not a queue.
        if arrivalDelta > .seconds(3) || arrivalDelta < .zero { return nil }
        return update(sendDeltaMs: sendDelta.floatMilliseconds, arrivalDeltaMs: arrivalDelta.floatMilliseconds, arrival: group.lastArrival)
    }

    private mutating func update(sendDeltaMs: Double, arrivalDeltaMs: Double, arrival: Duration) -> Usage {
        let first = firstArrival ?? arrival
        firstArrival = first
        deltaCount = min(deltaCount + 1, 1000)
        accumulatedDelayMs += arrivalDeltaMs - sendDeltaMs
        smoothedDelayMs = Self.smoothing * smoothedDelayMs + (1 - Self.smoothing) * accumulatedDelayMs
        samples.append(((arrival - first).floatMilliseconds, smoothedDelayMs))
        if samples.count > Self.windowSize { samples.removeFirst() }
        var trend = previousTrend
        if samples.count == Self.windowSize, let slope = Self.slope(samples) { trend = slope }
        detect(trend: trend, sendDeltaMs: sendDeltaMs, arrival: arrival)
        return usage
    }

    private static func slope(_ points: [(arrivalMs: Double, delayMs: Double)]) -> Double? {
        let meanX = points.reduce(0) { $0 + $1.arrivalMs } / Double(points.count)
        let meanY = points.reduce(0) { $0 + $1.delayMs } / Double(points.count)
        var numerator = 0.0
        var denominator = 0.0
        for point in points {
            numerator += (point.arrivalMs - meanX) * (point.delayMs - meanY)
            denominator += (point.arrivalMs - meanX) * (point.arrivalMs - meanX)
        }
        return denominator == 0 ? nil : numerator / denominator
    }

    private mutating func detect(trend: Double, sendDeltaMs: Double, arrival: Duration) {
        let modified = Double(min(deltaCount, 60)) * trend * Self.thresholdGain
        if modified > threshold {
            if timeOverUsingMs < 0 {
                timeOverUsingMs = sendDeltaMs / 2
            } else {
                timeOverUsingMs += sendDeltaMs
            }
            overuseCount += 1
            if timeOverUsingMs > Self.overuseTimeThresholdMs, overuseCount > 1, trend >= previousTrend {
                timeOverUsingMs = 0
                overuseCount = 0
                usage = .overusing
            }
        } else if modified < -threshold {
            timeOverUsingMs = -1
            overuseCount = 0
            usage = .underusing
        } else {
            timeOverUsingMs = -1
            overuseCount = 0
            usage = .normal
        }
        previousTrend = trend
        updateThreshold(modified, arrival: arrival)
    }

    private mutating func updateThreshold(_ modified: Double, arrival: Duration) {
        let last = lastThresholdUpdate ?? arrival
        lastThresholdUpdate = arrival
        // A spike far above the threshold (a one-off) must not drag it up.
        if abs(modified) > threshold + 15 { return }
        let k = abs(modified) < threshold ? Self.thresholdDown : Self.thresholdUp
        let elapsed = min((arrival - last).floatMilliseconds, 100)
        threshold = min(max(threshold + k * (abs(modified) - threshold) * elapsed, 6), 600)
    }
}

extension Duration {
    /// Milliseconds as a floating-point value (for filters).
    var floatMilliseconds: Double {
        let parts = components
        return Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15
    }
}
