/// What a `VideoCapture` did with the buffers its camera sent (cumulative), for logs and benchmarks: where frames
/// went missing between the camera and the consumer.
public struct VideoCaptureStatistics: Sendable, Equatable, CustomStringConvertible {
    /// Buffers taken from the camera's node.
    public var buffers = 0
    /// Left out by the frame-rate thinning (a camera faster than asked).
    public var thinned = 0
    /// Unreadable buffers (short, or an unexpected layout).
    public var conversionFailures = 0
    /// Converted, but replaced by a newer frame before the consumer read them (it lagged).
    public var unread = 0

    public init() {}

    public var description: String {
        "buffers=\(buffers) thinned=\(thinned) unreadable=\(conversionFailures) unread=\(unread)"
    }
}
