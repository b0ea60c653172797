/// Chooses the size a video encoder sends at from how hard it has to quantize (issue 14 §1; libwebrtc's
/// `QualityScaler` with `VideoAdapter`'s steps). Too few bits for the picture show as a high quantizer, or as frames
/// rate control drops; fewer pixels then look better than blocks. Bits to spare show as a low quantizer.
///
/// - The encoder's QP is averaged over windows of `window` (2 s) and at least `minimumSamples` frames; a frame rate
///   control dropped counts as `droppedFrameQP` (the worst).
/// - Average above `highQP` (95), or `highDropShare` (60 %) of the window's frames dropped: one step down.
/// - Average at or below `lowQP` (29), and the encoder's target reaching `bitrateRoom` (0.9) × the application's
///   bitrate × the larger size's share of the pixels: one step up, at least `minimumIntervalUp` (5 s) after the
///   previous change. The gap between 29 and 95, the bitrate condition and the interval keep it from oscillating.
/// - Steps: 1, 3/4, 1/2, 3/8, 1/4 of the source's width and height, never narrower than `minimumWidth` (160 px).
///
/// Thresholds are on libvpx's internal quantizer index, 0…127 (`VP8EncoderStatistics.lastQP`). A value type without
/// I/O; time is the caller's monotonic clock. Each window starts over after a decision and after a change of size.
public struct ResolutionScaler: Sendable, Equatable {
    public struct Configuration: Sendable, Equatable {
        /// libwebrtc's VP8 thresholds (`vp8_impl.cc`: kLowVp8QpThreshold 29, kHighVp8QpThreshold 95).
        public var lowQP = 29
        public var highQP = 95
        public var droppedFrameQP = 127
        /// libwebrtc's `kFramedropPercentThreshold`.
        public var highDropShare = 0.6
        public var window: Duration = .seconds(2)
        public var minimumSamples = 30
        public var minimumIntervalUp: Duration = .seconds(5)
        public var bitrateRoom = 0.9
        public var minimumWidth = 160
        public init() {}
    }

    public struct Size: Sendable, Hashable, CustomStringConvertible {
        public var width: Int
        public var height: Int
        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }
        public var description: String { "\(width)x\(height)" }
    }

    /// What became of one frame handed to the encoder.
    public enum FrameOutcome: Sendable, Equatable {
        case encoded(qp: Int)
        case dropped
    }

    public enum Action: Sendable, Equatable {
        case scaleDown(to: Size)
        case scaleUp(to: Size)
    }

    /// Scale factors (numerator, denominator) of width and height, largest first (libwebrtc alternates 3/4 and 2/3
    /// steps of the remaining size: 3/4, 1/2, 3/8, 1/4).
    static let steps: [(numerator: Int, denominator: Int)] = [(1, 1), (3, 4), (1, 2), (3, 8), (1, 4)]

    public let configuration: Configuration
    /// The captured picture's size: what the application asked for.
    public let sourceSize: Size
    /// Index into `steps`: 0 sends the source's size.
    public private(set) var step = 0
    private let lowestStep: Int
    private var windowStart: Duration?
    private var qpSum = 0
    private var samples = 0
    private var drops = 0
    private var lastChange: Duration?

    public init(sourceSize: Size, configuration: Configuration = Configuration()) {
        self.sourceSize = sourceSize
        self.configuration = configuration
        lowestStep = Self.steps.indices.last { Self.size(of: sourceSize, step: $0).width >= configuration.minimumWidth } ?? 0
    }

    /// The size to encode at now.
    public var size: Size { Self.size(of: sourceSize, step: step) }

    /// One frame's outcome. `targetKbps`: the encoder's bitrate target now; `ceilingKbps`: the application's bitrate.
    /// Returns a change of size, applied from the next frame on.
    public mutating func record(_ outcome: FrameOutcome, targetKbps: Int, ceilingKbps: Int, now: Duration) -> Action? {
        let start = windowStart ?? now
        windowStart = start
        samples += 1
        switch outcome {
        case .encoded(let qp): qpSum += qp
        case .dropped:
            qpSum += configuration.droppedFrameQP
            drops += 1
        }
        guard now - start >= configuration.window, samples >= configuration.minimumSamples else { return nil }
        let averageQP = Double(qpSum) / Double(samples)
        let dropShare = Double(drops) / Double(samples)
        startWindow(at: now)
        if (averageQP > Double(configuration.highQP) || dropShare >= configuration.highDropShare) && step < lowestStep {
            step += 1
            lastChange = now
            return .scaleDown(to: size)
        }
        if averageQP <= Double(configuration.lowQP), step > 0,
           lastChange.map({ now - $0 >= configuration.minimumIntervalUp }) ?? true,
           Double(targetKbps) >= Double(ceilingKbps) * configuration.bitrateRoom * Self.pixelShare(step - 1) {
            step -= 1
            lastChange = now
            return .scaleUp(to: size)
        }
        return nil
    }

    private mutating func startWindow(at now: Duration) {
        windowStart = now
        qpSum = 0
        samples = 0
        drops = 0
    }

    /// The share of the source's pixels sent at `step`.
    static func pixelShare(_ step: Int) -> Double {
        let factor = Double(steps[step].numerator) / Double(steps[step].denominator)
        return factor * factor
    }

    /// Even dimensions (whole chroma samples), at least 2.
    static func size(of source: Size, step: Int) -> Size {
        let (numerator, denominator) = steps[step]
        guard numerator != denominator else { return source }
        func scale(_ length: Int) -> Int { max((length * numerator / denominator) & ~1, 2) }
        return Size(width: scale(source.width), height: scale(source.height))
    }
}
