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
///
/// With `recentWindow`, a spike is forgotten sooner: the variation is the larger of `quantile` over the newest
/// `recentWindow` samples and `olderQuantile` over the whole window. A queue that filled once (a capacity drop) puts
/// a few hundred ms of samples into the window; at the 95th percentile of 300 frames it held the video jitter buffer
/// at its 500 ms maximum for 12 s after the queue had drained (trtc-bench network `steps`: 0.6 Mbit/s phase at
/// 613 ms glass-to-glass); steady jitter is in both windows alike.
public struct DelayVariationEstimator: Sendable {
    public let window: Int
    public let quantile: Double
    public let recentWindow: Int?
    public let olderQuantile: Double
    /// Samples that may set the base but do not count for the variation (late for a known reason: a retransmission,
    /// a key frame much larger than the rest) are kept here as nil.
    private var samples: [Double?] = []
    private var bases: [Double] = []
    private var next = 0

    public init(window: Int = 300, quantile: Double = 0.95, recentWindow: Int? = nil, olderQuantile: Double = 0.8) {
        let window = max(2, window)
        self.window = window
        self.quantile = min(max(quantile, 0), 1)
        self.recentWindow = recentWindow.map { min(max(2, $0), window) }
        self.olderQuantile = min(max(olderQuantile, 0), 1)
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
        guard let recentWindow, samples.count > recentWindow else { return Self.quantile(quantile, of: samples, above: base) }
        // The ring's newest `recentWindow` entries end just before `next` (or at the end while it is filling).
        let end = samples.count < window ? samples.count : next
        let recent = (1...recentWindow).map { samples[(end - $0 + samples.count) % samples.count] }
        return max(Self.quantile(quantile, of: recent, above: base), Self.quantile(olderQuantile, of: samples, above: base))
    }

    private static func quantile(_ quantile: Double, of samples: [Double?], above base: Double) -> Double {
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
