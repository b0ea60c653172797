/// Thins a video source down to a frame rate: a camera faster than asked (or a test source following the graph's
/// clock, 46.9 cycles a second) delivers frames more often than the publisher wants. A value fed with each frame's
/// arrival time; no I/O (unit-tested).
///
/// Frames are due every `interval` on a schedule that starts at the first frame and advances by one interval per
/// frame kept, so the long-run rate never exceeds 1 / `interval`. A frame is kept when it arrives no more than half an
/// interval before its due time: a source at exactly the asked rate arrives around its due times, early or late by
/// its scheduling jitter, and loses none of its frames while that jitter stays within a quarter interval (8 ms at
/// 30 fps). Before, a frame was kept only at or after its due time, and a steady 30 fps source lost each frame that
/// came earlier than the schedule's phase (1–2 % of them with a few milliseconds of jitter: 604 of 609 in
/// `trtc-bench media`; more when frames come in pairs). A source that stalls for an interval or more restarts the
/// schedule at its next frame.
struct FrameRateThinner: Sendable, Equatable {
    let interval: Duration
    private var nextDue: Duration?

    init(framesPerSecond: Int) {
        interval = .seconds(1) / max(1, framesPerSecond)
    }

    /// Whether the frame arriving at `time` (monotonic) is kept.
    mutating func keep(at time: Duration) -> Bool {
        guard let due = nextDue, time - due < interval else {
            // First frame, or the source stalled: restart the schedule here.
            nextDue = time + interval
            return true
        }
        guard time >= due - interval / 2 else { return false }
        nextDue = due + interval
        return true
    }
}
