/// Which temporal layer each frame belongs to and what it may reference and update (libvpx's
/// `vpx_temporal_svc_encoder` modes, libwebrtc's `default_temporal_layers.cc`, simplified so that every frame above
/// layer 0 is a layer-sync frame or follows one within its pattern):
///
/// - 2 layers (L1T2), period 2: layer 0 refers to and updates LAST; layer 1 refers to LAST only and updates nothing
///   (droppable, and a sync frame: it needs layer 0 alone). Layer 0 is half the frame rate.
/// - 3 layers (L1T3), period 4 (0, 2, 1, 2): layer 0 as above; layer 1 refers to LAST and updates GOLDEN (sync);
///   the first layer-2 frame refers to LAST only (sync), the second to LAST and GOLDEN (not sync). Layer 0 is a
///   quarter of the frame rate, layers 0–1 half.
///
/// A key frame is layer 0 and restarts the pattern.
public struct VP8TemporalPattern: Sendable, Equatable {
    public struct Frame: Sendable, Equatable {
        public var layer: UInt8
        /// Refers to layer 0 frames alone (RFC 7741's Y bit).
        public var isLayerSync: Bool
        public var referencesLast = true
        public var referencesGolden = false
        public var updatesLast = false
        public var updatesGolden = false
    }

    public let layerCount: Int
    public let frames: [Frame]
    /// `ts_rate_decimator`: each layer's frame rate divisor (cumulative layers).
    public let rateDecimators: [Int]
    /// Share of the bitrate that layers 0…n together get (`ts_target_bitrate` / target); the last is 1.
    public let cumulativeShares: [Double]

    /// `layers`: 1 (no layers), 2 or 3. `baseShare`: layer 0's share of the bitrate (2 layers).
    public init(layers: Int, baseShare: Double = 0.25) {
        layerCount = min(max(layers, 1), 3)
        switch layerCount {
        case 2:
            frames = [Frame(layer: 0, isLayerSync: false, updatesLast: true), Frame(layer: 1, isLayerSync: true)]
            rateDecimators = [2, 1]
            cumulativeShares = [baseShare, 1]
        case 3:
            frames = [Frame(layer: 0, isLayerSync: false, updatesLast: true), Frame(layer: 2, isLayerSync: true),
                      Frame(layer: 1, isLayerSync: true, updatesGolden: true),
                      Frame(layer: 2, isLayerSync: false, referencesGolden: true)]
            rateDecimators = [4, 2, 1]
            // libwebrtc's 3-layer split: 40 %, 60 %, 100 %.
            cumulativeShares = [0.4, 0.6, 1]
        default:
            frames = [Frame(layer: 0, isLayerSync: false, referencesGolden: true, updatesLast: true)]
            rateDecimators = [1]
            cumulativeShares = [1]
        }
    }

    public var period: Int { frames.count }

    /// The frame at `index` frames after the last key frame.
    public func frame(at index: Int) -> Frame { frames[index % frames.count] }
}
