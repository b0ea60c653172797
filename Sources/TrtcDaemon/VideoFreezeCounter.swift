/// Counts freezes of a rendered video stream as WebRTC's `freezeCount` does (libwebrtc
/// `video/video_quality_observer2.cc`): a gap between two rendered pictures is a freeze when it is at least
/// max(3 × the average gap, the average + 150 ms), the average taken over the last 30 gaps (this one included)
/// once there are at least 5. A value type fed with render times, no I/O (unit-tested).
struct VideoFreezeCounter: Sendable, Equatable {
    static let window = 30
    static let minimumSamples = 5
    static let minimumIncrease: Duration = .milliseconds(150)

    private(set) var freezes = 0
    /// Sum of the gaps that were freezes (TRTC's `videoTotalBlockTime`).
    private(set) var frozenTime: Duration = .zero
    /// First to last rendered picture.
    private(set) var renderedTime: Duration = .zero
    private(set) var pictures = 0
    private var lastRendered: Duration?
    private var gaps: [Duration] = []
    private var next = 0

    /// A picture was rendered at `time` (monotonic); returns the gap before it when that was a freeze.
    @discardableResult
    mutating func rendered(at time: Duration) -> Duration? {
        pictures += 1
        defer { lastRendered = time }
        guard let lastRendered else { return nil }
        let gap = max(.zero, time - lastRendered)
        renderedTime += gap
        if gaps.count < Self.window {
            gaps.append(gap)
        } else {
            gaps[next] = gap
            next = (next + 1) % Self.window
        }
        guard gaps.count >= Self.minimumSamples else { return nil }
        let average = gaps.reduce(.zero, +) / gaps.count
        guard gap >= max(average * 3, average + Self.minimumIncrease) else { return nil }
        freezes += 1
        frozenTime += gap
        return gap
    }
}
