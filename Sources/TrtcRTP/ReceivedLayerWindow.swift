/// How many temporal layers of a VP8 stream reach a receiver now (issue 14 §4): the highest TID among the frames of
/// the last one to two seconds, plus one. What the SFU forwards shows here: 1 while only the base layer comes. A value
/// type without I/O; times are the caller's monotonic clock.
public struct ReceivedLayerWindow: Sendable, Equatable {
    public static let bucket = Duration.seconds(1)
    private var current: UInt8?
    private var previous: UInt8?
    private var bucketStart: Duration?

    public init() {}

    /// A frame arrived with temporal layer index `layer` (nil: the stream has no layers).
    public mutating func note(layer: UInt8?, now: Duration) {
        rotate(now)
        guard let layer else { return }
        current = max(current ?? 0, layer)
    }

    /// 1 + the highest layer index of the frames of the last one to two seconds; 0 when none carried one.
    public mutating func layerCount(now: Duration) -> Int {
        rotate(now)
        guard let highest = [current, previous].compactMap({ $0 }).max() else { return 0 }
        return Int(highest) + 1
    }

    private mutating func rotate(_ now: Duration) {
        guard let start = bucketStart else {
            bucketStart = now
            return
        }
        if now - start >= Self.bucket * 2 {
            (previous, current, bucketStart) = (nil, nil, now)
        } else if now - start >= Self.bucket {
            (previous, current, bucketStart) = (current, nil, start + Self.bucket)
        }
    }
}
