/// Running counters of a `VP8Encoder`, for metrics and benchmarks.
public struct VP8EncoderStatistics: Sendable, Equatable {
    /// Frames handed to `encode`.
    public var framesSubmitted = 0
    /// Frames that came out (rate control may drop some).
    public var framesEncoded = 0
    public var keyframesEncoded = 0
    public var bytesEncoded = 0
    /// Wall time of the last `vpx_codec_encode` call plus output collection.
    public var lastEncodeDuration: Duration = .zero
    public var totalEncodeDuration: Duration = .zero
    /// Quantizer (0…63) of the last encoded frame.
    public var lastQuantizer = 0
    /// The same as libvpx's internal index (0…127), the scale `ResolutionScaler`'s thresholds use.
    public var lastQP = 0

    public var framesDroppedByRateControl: Int { framesSubmitted - framesEncoded }

    public var averageEncodeDuration: Duration {
        framesSubmitted == 0 ? .zero : totalEncodeDuration / framesSubmitted
    }

    public init() {}
}
