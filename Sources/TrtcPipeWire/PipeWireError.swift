/// Why a PipeWire operation failed. The daemon maps `deviceUnavailable` to TRTC's `DeviceUnavailable`.
public enum PipeWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection to the PipeWire daemon (not running, socket missing, connection lost).
    case connectionFailed(String)
    /// The requested camera or microphone does not exist, vanished, or offers no usable format.
    case deviceUnavailable(String)
    /// The daemon did not answer in time.
    case timedOut(String)
    /// Capture options out of range (size, frame rate).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .connectionFailed(let detail): "PipeWire unavailable: \(detail)"
        case .deviceUnavailable(let detail): "device unavailable: \(detail)"
        case .timedOut(let detail): "PipeWire timed out: \(detail)"
        case .invalidArgument(let detail): "invalid capture option: \(detail)"
        }
    }
}
