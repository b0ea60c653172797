/// Which temporal layer of each video stream one receiver gets, from the SFU's estimate of that receiver's downlink
/// (issue 14 §3; LiveKit's stream allocator). The budget — the estimate less what else the receiver is sent (audio,
/// retransmissions) — pays first for every stream's base layer, then, stream by stream in SSRC order, for the layers
/// above while it lasts:
///
/// - **down at once**: a stream keeps a layer while what is left of the budget covers that layer's measured rate;
/// - **up after holding**: the next layer is taken once the budget covers the stream at that layer × `upHeadroom`
///   without a break for `upHold` (a moment's high estimate is no reason to send more);
/// - **trying**: a delay-based estimate cannot grow much beyond what is actually sent (`SendSideBandwidthEstimator`
///   caps its increase at 1.5 × the acknowledged rate), so a receiver held at layer 0 would stay there after its link
///   got faster. `probeInterval` after a stream went down its next layer is tried: kept, whatever the budget says,
///   while the estimate does not fall, until the budget covers it (the try succeeded); the estimate falling (the link
///   queued what was added) or `probeTimeout` ends it, and the next try waits twice as long (up to
///   `maximumProbeInterval`). One try at a time.
///
/// A value without I/O; `now` is the caller's monotonic clock.
public struct DownlinkLayerAllocator: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        public var upHeadroom = 1.2
        public var upHold: Duration = .seconds(3)
        public var probeInterval: Duration = .seconds(45)
        public var maximumProbeInterval: Duration = .seconds(480)
        public var probeTimeout: Duration = .seconds(20)
        public init() {}
    }

    public struct Stream: Sendable, Equatable {
        public var ssrc: UInt32
        /// kbit/s of layers 0…n for each n (cumulative, `TemporalLayerRates.cumulativeKbps`), on the wire.
        public var layerKbps: [Double]

        public init(ssrc: UInt32, layerKbps: [Double]) {
            self.ssrc = ssrc
            self.layerKbps = layerKbps
        }
    }

    private struct StreamState: Sendable, Equatable {
        var layer: UInt8
        /// Since when the budget has covered the next layer (with headroom).
        var coveredSince: Duration?
        /// When the stream last went down: its next try is due `probeInterval` later.
        var wentDown: Duration?
        var probeInterval: Duration
    }

    private struct Probe: Sendable, Equatable {
        var ssrc: UInt32
        var layer: UInt8
        var started: Duration
    }

    public let configuration: Configuration
    private var states: [UInt32: StreamState] = [:]
    private var probe: Probe?
    private var lastEstimate: Double?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Whether a layer is being tried now (for statistics and tests).
    public var isProbing: Bool { probe != nil }

    /// The layer of each stream (by SSRC) for the estimate now. `otherKbps`: what else the receiver is sent.
    public mutating func update(estimateKbps: Double, otherKbps: Double, streams: [Stream], now: Duration) -> [UInt32: UInt8] {
        let fell = lastEstimate.map { estimateKbps < $0 } ?? false
        lastEstimate = estimateKbps
        let ordered = streams.filter { !$0.layerKbps.isEmpty }.sorted { $0.ssrc < $1.ssrc }
        states = states.filter { entry in ordered.contains { $0.ssrc == entry.key } }
        if let tried = probe, fell || now - tried.started > configuration.probeTimeout || states[tried.ssrc] == nil {
            probe = nil
            if var state = states[tried.ssrc] {
                state.layer = tried.layer - 1
                state.wentDown = now
                state.coveredSince = nil
                state.probeInterval = min(state.probeInterval * 2, configuration.maximumProbeInterval)
                states[tried.ssrc] = state
            }
        }
        var left = estimateKbps - otherKbps - ordered.reduce(0) { $0 + $1.layerKbps[0] }
        var layers: [UInt32: UInt8] = [:]
        for stream in ordered {
            let top = UInt8(stream.layerKbps.count - 1)
            var state = states[stream.ssrc]
                ?? StreamState(layer: top, coveredSince: nil, wentDown: nil, probeInterval: configuration.probeInterval)
            func cost(_ layer: UInt8) -> Double { stream.layerKbps[Int(layer)] - stream.layerKbps[Int(layer) - 1] }
            // Keep what the budget pays for.
            var layer: UInt8 = 0
            while layer < min(state.layer, top), cost(layer + 1) <= left {
                layer += 1
                left -= cost(layer)
            }
            if let tried = probe, tried.ssrc == stream.ssrc {
                if layer >= tried.layer {
                    // The estimate caught up: the try succeeded.
                    probe = nil
                    state.probeInterval = configuration.probeInterval
                } else {
                    while layer < tried.layer {
                        layer += 1
                        left -= min(max(left, 0), cost(layer))
                    }
                }
            } else if layer < state.layer {
                state.wentDown = now
                state.coveredSince = nil
            } else if layer < top {
                let needed = stream.layerKbps[Int(layer) + 1] * configuration.upHeadroom - stream.layerKbps[Int(layer)]
                if left >= needed {
                    let since = state.coveredSince ?? now
                    state.coveredSince = since
                    if now - since >= configuration.upHold {
                        layer += 1
                        left -= cost(layer)
                        state.coveredSince = nil
                    }
                } else {
                    state.coveredSince = nil
                    if probe == nil, let wentDown = state.wentDown, now - wentDown >= state.probeInterval {
                        probe = Probe(ssrc: stream.ssrc, layer: layer + 1, started: now)
                        layer += 1
                        left -= min(max(left, 0), cost(layer))
                    }
                }
            }
            state.layer = layer
            states[stream.ssrc] = state
            layers[stream.ssrc] = layer
        }
        return layers
    }
}
