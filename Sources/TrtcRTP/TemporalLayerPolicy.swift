/// Chooses, for one receiver of one video stream with temporal layers, the highest layer that fits the receiver's
/// downlink (issue 14 §3; LiveKit's stream allocator, libwebrtc's loss-based control). The estimate comes from the
/// receiver's own reports of what it got:
///
/// - loss above `cutAbove` (25 %) in two reports in a row: the link delivered about what was sent less what was lost,
///   so the estimate becomes `sent × (1 − loss)`. One report is not enough (a burst of random loss is no narrow link),
///   and loss of `outageAbove` (90 %) or more is an outage, not a narrow link: fewer layers would not help, so it holds;
/// - loss below `raiseBelow` (2 %): the estimate grows by `growthPerSecond` (8 %/s, linearly), but never beyond `headroom` (1.5)
///   times what was actually sent: a link is only known to carry what went through it. The limit ends (nil) once the
///   receiver gets the whole stream, the estimate is `headroom` times it, and it is at least as large as the stream
///   the last cut found too much;
/// - in between: hold.
///
/// Without padding probes, the only way to learn that a link got faster is to send more: every `probeInterval` (45 s)
/// after the last cut, the next layer is tried; a try cut back within `probeGrace` doubles the interval (up to
/// `maximumProbeInterval`), one that holds resets it. No estimate (no loss seen yet): every layer.
///
/// A value type without I/O; time is the caller's monotonic clock.
public struct TemporalLayerPolicy: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        // 25 %, not 10 %: NACKs repair random loss of 5–10 % (issue 12's scenarios must keep ≥ 24 fps there), and a
        // 1 s report of 5 % bursty loss reads above 10 % now and then; a link narrower than the stream loses far more
        // (800 kbit/s into 300 kbit/s: ~60 %).
        public var cutAbove = 0.25
        public var outageAbove = 0.90
        public var raiseBelow = 0.02
        public var growthPerSecond = 1.08
        public var headroom = 1.5
        /// A layer is chosen when the estimate is at least its cumulative rate times this.
        public var margin = 1.1
        public var probeInterval: Duration = .seconds(45)
        public var maximumProbeInterval: Duration = .seconds(480)
        public var probeGrace: Duration = .seconds(5)
        public init() {}
    }

    public let configuration: Configuration
    public let topLayer: UInt8
    /// The receiver's downlink for this stream, kbit/s; nil while nothing limits it.
    public private(set) var estimateKbps: Double?
    public private(set) var layer: UInt8
    private var lastReport: Duration?
    private var lastCut: Duration?
    private var probeStarted: Duration?
    private var probeInterval: Duration
    private var highLossReports = 0
    /// What was sent to the receiver (kbit/s) when the last cut found its link too narrow.
    private var tooMuchKbps = 0.0
    /// What its link delivered then (`sent × (1 − loss)`), or the rate a probe tries: what the SFU paces it at
    /// (`DownlinkPacer`), unlike `estimateKbps` not grown while nothing is lost (the pacer itself keeps loss away).
    /// Nil while not limited.
    public private(set) var deliveredKbps: Double?

    public init(topLayer: UInt8, configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.topLayer = topLayer
        layer = topLayer
        probeInterval = configuration.probeInterval
    }

    /// One report from the receiver: the fraction of the stream's packets it lost since its previous report, and the
    /// stream's bitrate sent to it meanwhile. `layerKbps[n]`: the publisher's current rate of layers 0…n. Returns
    /// the layer to forward.
    @discardableResult
    public mutating func report(fractionLost: Double, sentKbps: Double, layerKbps: [Double], now: Duration) -> UInt8 {
        let elapsed = lastReport.map { min(max((now - $0) / .seconds(1), 0), 2) } ?? 1
        lastReport = now
        if let started = probeStarted, now - started > configuration.probeGrace {
            probeStarted = nil
            probeInterval = configuration.probeInterval
        }
        let isHigh = fractionLost > configuration.cutAbove && fractionLost < configuration.outageAbove
        highLossReports = isHigh ? highLossReports + 1 : 0
        if isHigh && highLossReports < 2 || fractionLost >= configuration.outageAbove {
            // Hold: one lossy report, or an outage.
        } else if isHigh {
            estimateKbps = sentKbps * (1 - fractionLost)
            deliveredKbps = estimateKbps
            tooMuchKbps = sentKbps
            lastCut = now
            // The next report still tells of what was sent before the cut: two more are needed to cut again.
            highLossReports = 0
            if probeStarted != nil {
                probeStarted = nil
                probeInterval = min(probeInterval * 2, configuration.maximumProbeInterval)
            }
        } else if fractionLost < configuration.raiseBelow, let estimate = estimateKbps {
            let grown = estimate * (1 + (configuration.growthPerSecond - 1) * elapsed)
            estimateKbps = max(estimate, min(grown, sentKbps * configuration.headroom))
            if let lastCut, now - lastCut >= probeInterval, probeStarted == nil, layer < topLayer,
               Int(layer) + 1 < layerKbps.count {
                estimateKbps = max(estimateKbps!, layerKbps[Int(layer) + 1] * configuration.margin)
                deliveredKbps = estimateKbps
                probeStarted = now
                self.lastCut = nil
            }
            // Everything fits with room to spare: no longer limited. Not while the stream is smaller than the one the
            // link failed to carry: a publisher whose send estimate swings (a backoff, then probes back up) shrinks its
            // stream for seconds, and forgetting the limit then left a 300 kbit/s receiver unlimited when the stream
            // grew back, until two more lossy reports (TemporalLayerDaemonTests: 24 fps of the base layer's 15).
            if layer == topLayer, let top = layerKbps.last, top > 0, top >= tooMuchKbps,
               estimateKbps! >= top * configuration.headroom {
                estimateKbps = nil
            }
        }
        if estimateKbps == nil { deliveredKbps = nil }
        layer = choose(layerKbps)
        return layer
    }

    private func choose(_ layerKbps: [Double]) -> UInt8 {
        guard let estimateKbps else { return topLayer }
        var chosen: UInt8 = 0
        for (index, rate) in layerKbps.enumerated() where index <= Int(topLayer) && index > 0 {
            if rate * configuration.margin <= estimateKbps { chosen = UInt8(index) } else { break }
        }
        return chosen
    }
}

/// The bitrate of each temporal layer of one stream, over the last two seconds (two one-second buckets), as the SFU
/// sees it arrive: what each choice of layer would cost a receiver.
public struct TemporalLayerRates: Sendable, Equatable {
    public static let layerCount = 4
    private var current = [Int](repeating: 0, count: TemporalLayerRates.layerCount)
    private var previous = [Int](repeating: 0, count: TemporalLayerRates.layerCount)
    private var bucketStart: Duration?
    private var hasPrevious = false

    public init() {}

    public mutating func add(layer: UInt8, bytes: Int, now: Duration) {
        rotate(now)
        current[Int(min(layer, 3))] += bytes
    }

    /// kbit/s of layers 0…n for each n up to the highest layer seen.
    public mutating func cumulativeKbps(now: Duration) -> [Double] {
        rotate(now)
        guard let bucketStart else { return [] }
        let span = max((now - bucketStart) / .seconds(1) + (hasPrevious ? 1 : 0), 0.25)
        var rates: [Double] = []
        var sum = 0
        let highest = (0..<Self.layerCount).last { current[$0] + previous[$0] > 0 } ?? 0
        for layer in 0...highest {
            sum += current[layer] + previous[layer]
            rates.append(Double(sum) * 8 / 1000 / span)
        }
        return rates
    }

    private mutating func rotate(_ now: Duration) {
        guard let start = bucketStart else {
            bucketStart = now
            return
        }
        let elapsed = now - start
        if elapsed >= .seconds(2) {
            previous = [Int](repeating: 0, count: Self.layerCount)
            current = previous
            bucketStart = now
            hasPrevious = false
        } else if elapsed >= .seconds(1) {
            previous = current
            hasPrevious = true
            current = [Int](repeating: 0, count: Self.layerCount)
            bucketStart = start + .seconds(1)
        }
    }
}
