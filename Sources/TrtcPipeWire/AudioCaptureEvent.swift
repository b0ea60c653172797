/// What a running `AudioCapture` reports.
public enum AudioCaptureEvent: Sendable {
    case frame(CapturedAudioFrame)
    /// Capture ended; no events follow.
    case stopped(CaptureStopReason)
}
