import TrtcCodecs

/// What a running `VideoCapture` reports.
public enum VideoCaptureEvent: Sendable {
    /// A picture, converted to I420, stamped with the monotonic capture time.
    case frame(I420Frame)
    /// Capture ended; no events follow.
    case stopped(CaptureStopReason)
}
