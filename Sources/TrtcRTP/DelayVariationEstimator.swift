/// How much later than the fastest of its neighbours a media unit (a video frame, an audio packet) arrives: the delay a
/// jitter buffer must add so that most units are on time.
///
/// Each sample is `arrival − media time` (the RTP timestamp in seconds): a constant for a perfect network, since
/// both clocks run at the same rate. Over the last `window` samples, the smallest is the path's base delay and a
/// high `quantile` of the rest above it is the delay variation to cover (as libwebrtc's jitter estimators do with a
/// filtered frame-delay variation; a quantile over a window is simpler and tracks bursty, non-Gaussian jitter).
/// The base slides with the window, so clock drift and route changes are followed.
///
/// A value type without I/O; `record` is O(1), `variation` O(window log window) and meant for every few samples.
public struct DelayVariationEstimator: Sendable {
    public let window: Int
    public let quantile: Double
    /// Samples that may set the base but do not count for the variation (late for a known reason: a retransmission,
    /// a key frame much larger than the rest) are kept here as nil.
    private var samples: [Double?] = []
    private var bases: [Double] = []
    private var next = 0

    public init(window: Int = 300, quantile: Double = 0.95) {
        self.window = max(2, window)
        self.quantile = min(max(quantile, 0), 1)
    }

    /// Samples so far, at most `window`.
    public var count: Int { bases.count }

    /// One unit arrived at `arrival` with media time `mediaTime` (both in seconds on their own clocks).
    /// `countsForVariation` false: it may lower the base but is not a jitter sample.
    public mutating func record(arrival: Double, mediaTime: Double, countsForVariation: Bool = true) {
        let value = arrival - mediaTime
        if bases.count < window {
            bases.append(value)
            samples.append(countsForVariation ? value : nil)
        } else {
            bases[next] = value
            samples[next] = countsForVariation ? value : nil
            next = (next + 1) % window
        }
    }

    /// `arrival − media time` of the fastest unit in the window (seconds), nil before the first.
    public var base: Double? { bases.min() }

    /// The delay variation to cover, in seconds (0 until there are samples).
    public var variation: Double {
        guard let base else { return 0 }
        let values = samples.compactMap { $0 }.map { $0 - base }.sorted()
        guard !values.isEmpty else { return 0 }
        let index = min(values.count - 1, Int((Double(values.count - 1) * quantile).rounded(.up)))
        return max(0, values[index])
    }

    public mutating func reset() {
        samples = []
        bases = []
        next = 0
    }
}
