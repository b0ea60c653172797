/// Settings for `VP8Encoder`. Defaults follow libwebrtc's realtime VP8 profile
/// (one-pass CBR, no lag, rate buffer 500/600/1000 ms, key frames on demand or every 3000 frames).
public struct VP8EncoderConfiguration: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var framesPerSecond: Int
    public var bitrateKbps: Int
    /// Longest run of frames between automatic key frames (libwebrtc uses 3000).
    public var keyframeInterval: Int = 3000
    /// libvpx speed (`VP8E_SET_CPUUSED`); nil picks libwebrtc's desktop choice: -6, or -4 below CIF.
    public var cpuUsed: Int? = nil
    /// Encoder threads; nil picks libwebrtc's choice by resolution and core count.
    public var threads: Int? = nil
    /// Lets the decoder recover from lost frames (VPX_ERROR_RESILIENT_DEFAULT).
    public var errorResilient: Bool = true
    /// Lets rate control drop a frame when the buffer would underflow (libwebrtc: threshold 30).
    public var frameDropping: Bool = true
    /// Temporal denoiser; off, as cameras usually denoise already.
    public var denoising: Bool = false
    /// Screen content: more static-block detection and stricter rate control.
    public var screenContent: Bool = false
    /// VP8 temporal layers (1: none; 2 or 3, `VP8TemporalPattern`), so an SFU can give each receiver the frame rate
    /// its downlink carries. On by default: two layers cost a few percent of compression and spare every receiver
    /// a slow one's limits (docs/architecture-media.md, "Temporal layers").
    public var temporalLayers: Int = 2
    /// Layer 0's share of the bitrate with two layers: a quarter keeps the 15 fps base layer of an 800 kbit/s
    /// stream (~200 kbit/s) plus audio within a 300 kbit/s downlink.
    public var baseLayerShare: Double = 0.25
    public var minQuantizer: Int = 2
    public var maxQuantizer: Int = 56

    public init(width: Int, height: Int, framesPerSecond: Int = 30, bitrateKbps: Int = 800) {
        self.width = width
        self.height = height
        self.framesPerSecond = framesPerSecond
        self.bitrateKbps = bitrateKbps
    }

    func validate() throws(CodecError) {
        guard (1...I420Frame.maximumDimension).contains(width), (1...I420Frame.maximumDimension).contains(height) else {
            throw .invalidConfiguration("size \(width)x\(height)")
        }
        guard (1...240).contains(framesPerSecond) else { throw .invalidConfiguration("\(framesPerSecond) fps") }
        guard (10...100_000).contains(bitrateKbps) else { throw .invalidConfiguration("bitrate \(bitrateKbps) kbit/s") }
        guard keyframeInterval >= 1 else { throw .invalidConfiguration("key frame interval \(keyframeInterval)") }
        guard (0...63).contains(minQuantizer), (minQuantizer...63).contains(maxQuantizer) else {
            throw .invalidConfiguration("quantizer range \(minQuantizer)…\(maxQuantizer)")
        }
        if let cpuUsed, !(-16...16).contains(cpuUsed) { throw .invalidConfiguration("cpu-used \(cpuUsed)") }
        guard (1...3).contains(temporalLayers) else { throw .invalidConfiguration("\(temporalLayers) temporal layers") }
        guard (0.1...0.9).contains(baseLayerShare) else { throw .invalidConfiguration("base layer share \(baseLayerShare)") }
        if let threads, !(1...64).contains(threads) { throw .invalidConfiguration("\(threads) threads") }
    }

    /// libwebrtc: speed -6 on desktop, but spend more effort (-4) on pictures smaller than CIF.
    var effectiveCPUUsed: Int {
        if let cpuUsed { return cpuUsed }
        return width * height < 352 * 288 ? -4 : -6
    }

    /// libwebrtc's thread choice for desktops.
    func effectiveThreads(cores: Int) -> Int {
        if let threads { return threads }
        let pixels = width * height
        if pixels >= 1920 * 1080 && cores > 8 { return 8 }
        if pixels > 1280 * 960 && cores >= 6 { return 3 }
        if pixels > 640 * 480 && cores >= 3 { return cores >= 6 ? 3 : 2 }
        return 1
    }

    /// Largest key frame as a percentage of the per-frame budget: half the optimal
    /// buffer (600 ms) worth of frames, at least 3 frames' worth (libwebrtc's MaxIntraTarget).
    var maxIntraBitratePercent: UInt32 {
        let target = UInt32(Double(600) * 0.5 * Double(framesPerSecond) / 10)
        return max(target, 300)
    }
}
