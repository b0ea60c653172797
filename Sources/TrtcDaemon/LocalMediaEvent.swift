import TrtcPipeWire

/// Something the devices did on their own (not because of a method call).
enum LocalMediaEvent: Sendable {
    /// The camera or microphone stopped (unplugged, PipeWire gone): capture is closed.
    case videoLost(CaptureStopReason)
    case audioLost(CaptureStopReason)
}
