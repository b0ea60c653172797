/// Why a capture ended.
public enum CaptureStopReason: Sendable, Equatable, CustomStringConvertible {
    /// `stop()` was called.
    case requested
    /// The device's node disappeared (unplugged, or its provider quit).
    case deviceRemoved(String)
    /// PipeWire reported an error on the stream (e.g. no common format).
    case streamError(String)
    /// The stream was disconnected, or the connection to the daemon was lost.
    case disconnected(String)

    public var description: String {
        switch self {
        case .requested: "stopped on request"
        case .deviceRemoved(let name): "device '\(name)' was removed"
        case .streamError(let message): "stream error: \(message)"
        case .disconnected(let message): "disconnected: \(message)"
        }
    }
}
