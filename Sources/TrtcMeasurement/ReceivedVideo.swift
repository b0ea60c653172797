/// One picture a viewer read from a video node: the stamp it carried and when it was read.
public struct ReceivedPicture: Sendable, Equatable {
    public var frameId: UInt32
    /// When the picture was captured (the stamp), monotonic.
    public var captureTime: Duration
    /// When the reader got it from the node, monotonic.
    public var readTime: Duration

    public init(frameId: UInt32, captureTime: Duration, readTime: Duration) {
        self.frameId = frameId
        self.captureTime = captureTime
        self.readTime = readTime
    }

    /// Glass-to-glass latency: capture → read.
    public var latency: Duration { readTime - captureTime }
}

/// Freezes as WebRTC's `freezeCount` counts them (libwebrtc `video/video_quality_observer2.cc`): a gap between two
/// rendered pictures is a freeze when it is at least max(3 × the average gap, the average + 150 ms), the average
/// taken over the last 30 gaps (this one included) once there are at least 5. (trtcd's own `VideoFreezeCounter`
/// does the same for its Statistics; this one measures from outside.)
public struct FreezeCounter: Sendable, Equatable {
    static let window = 30
    static let minimumSamples = 5
    static let minimumIncrease: Duration = .milliseconds(150)

    public private(set) var freezes = 0
    /// The gaps that were freezes, summed.
    public private(set) var frozenTime: Duration = .zero
    public private(set) var pictures = 0
    private var lastRendered: Duration?
    private var gaps: [Duration] = []
    private var next = 0

    public init() {}

    /// A picture was rendered at `time`; returns whether the gap before it was a freeze.
    @discardableResult
    public mutating func rendered(at time: Duration) -> Bool {
        pictures += 1
        defer { lastRendered = time }
        guard let lastRendered else { return false }
        let gap = max(.zero, time - lastRendered)
        if gaps.count < Self.window {
            gaps.append(gap)
        } else {
            gaps[next] = gap
            next = (next + 1) % Self.window
        }
        guard gaps.count >= Self.minimumSamples else { return false }
        let average = gaps.reduce(.zero, +) / gaps.count
        guard gap >= max(average * 3, average + Self.minimumIncrease) else { return false }
        freezes += 1
        frozenTime += gap
        return true
    }
}

/// Nearest-rank percentiles of durations.
public struct DurationPercentiles: Sendable, Equatable {
    public let count: Int
    private let sorted: [Duration]

    public init(_ samples: [Duration]) {
        sorted = samples.sorted()
        count = sorted.count
    }

    /// The `fraction` (0…1) percentile; nil without samples.
    public func percentile(_ fraction: Double) -> Duration? {
        guard !sorted.isEmpty else { return nil }
        let index = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[max(0, min(sorted.count - 1, index))]
    }
}

/// What a viewer saw during a window, from the pictures it read (each once, in reading order): received frame rate,
/// freezes, glass-to-glass latency. Pictures whose frame id is not newer than one already read (a repeat, or an
/// older picture after a newer one) are not new content and count only in `stale`.
public struct ReceivedVideoSummary: Sendable {
    /// Distinct new pictures read in the window.
    public var pictures = 0
    public var stale = 0
    public var window: Duration
    public var freezes = 0
    public var frozenTime: Duration = .zero
    public var latency: DurationPercentiles
    /// Frame ids not seen between the first and the last read in the window (the sender's rate control may have
    /// skipped some of them: a synthetic camera's id counts captured pictures, not encoded ones).
    public var idsMissing = 0

    /// Pictures read in `window` (by read time); freezes are judged with the gaps before the window as history, so
    /// the first gaps of the window are not judged against nothing.
    public init(_ all: [ReceivedPicture], window: Range<Duration>) {
        self.window = window.upperBound - window.lowerBound
        var counter = FreezeCounter()
        var inWindow: [ReceivedPicture] = []
        var newest: UInt32?
        var freezesBefore = 0
        var frozenBefore: Duration = .zero
        for picture in all where picture.readTime < window.upperBound {
            if let newest, picture.frameId <= newest {
                if picture.readTime >= window.lowerBound { stale += 1 }
                continue
            }
            newest = picture.frameId
            if picture.readTime < window.lowerBound {
                counter.rendered(at: picture.readTime)
                freezesBefore = counter.freezes
                frozenBefore = counter.frozenTime
            } else {
                counter.rendered(at: picture.readTime)
                inWindow.append(picture)
            }
        }
        pictures = inWindow.count
        freezes = counter.freezes - freezesBefore
        frozenTime = counter.frozenTime - frozenBefore
        latency = DurationPercentiles(inWindow.map(\.latency))
        if let first = inWindow.first, let last = inWindow.last {
            idsMissing = Int(last.frameId - first.frameId) + 1 - inWindow.count
        }
    }

    /// The new pictures (a frame id above every earlier one) read in `window`.
    public static func newPictures(_ all: [ReceivedPicture], window: Range<Duration>) -> [ReceivedPicture] {
        var newest: UInt32?
        var result: [ReceivedPicture] = []
        for picture in all where picture.readTime < window.upperBound {
            if let newest, picture.frameId <= newest { continue }
            newest = picture.frameId
            if picture.readTime >= window.lowerBound { result.append(picture) }
        }
        return result
    }

    /// New pictures per second.
    public var framesPerSecond: Double {
        let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        return seconds > 0 ? Double(pictures) / seconds : 0
    }
}
