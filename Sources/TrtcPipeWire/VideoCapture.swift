import CPipeWire

/// Captures a camera (a PipeWire Video/Source node) and delivers I420 frames.
///
/// Creating one opens the camera and returns once frames flow (or throws `deviceUnavailable`).
/// `stop()` (or releasing the object) destroys the stream, so the camera is released in PipeWire.
/// If the camera disappears or the stream fails, `events` ends with `.stopped(reason)`.
/// State lives on the PipeWire loop thread; the public members take the loop lock.
public final class VideoCapture: @unchecked Sendable {
    public let device: PipeWireDevice
    public let options: VideoCaptureOptions
    /// Frames and the final stop. Keeps the newest `bufferedFrames` when the consumer lags: an older
    /// picture is worth less than a newer one, and each held 1280×720 frame is 1.3 MiB.
    public let events: AsyncStream<VideoCaptureEvent>

    static let bufferedFrames = 2

    let loop: PipeWireLoop
    let continuation: AsyncStream<VideoCaptureEvent>.Continuation
    private var stream: PipeWireStream?
    // Loop-thread state.
    var negotiated: VideoCaptureFormat?
    var negotiatedPixelFormat: RawVideoPixelFormat?
    var thinner: FrameRateThinner
    var finalReason: CaptureStopReason?
    var counts = VideoCaptureStatistics()

    /// Opens the camera `options.camera` (default: the session's default camera).
    /// - Throws: `deviceUnavailable` (no such camera, no usable format, no frames within
    ///   `startTimeout`), `invalidArgument`, `connectionFailed`.
    public init(loop: PipeWireLoop, options: VideoCaptureOptions = VideoCaptureOptions(), startTimeout: Duration = .seconds(3)) throws(PipeWireError) {
        try options.validate()
        let device = try loop.devices().resolve(options.camera, of: .videoSource)
        // A camera offering only compressed video (MJPG) could never link: say so now instead of timing out.
        if let subtypes = try? loop.offeredFormatSubtypes(of: device), !subtypes.isEmpty, !subtypes.contains("raw") {
            throw .deviceUnavailable(
                "camera '\(device.name)' offers only \(subtypes.sorted().joined(separator: ", ")) video; "
                    + "trtcd needs raw video (YUY2, NV12, I420, RGB, …) and does not decode MJPG")
        }
        self.loop = loop
        self.device = device
        self.options = options
        thinner = FrameRateThinner(framesPerSecond: options.fps)
        (events, continuation) = AsyncStream.makeStream(of: VideoCaptureEvent.self, bufferingPolicy: .bufferingNewest(Self.bufferedFrames))

        try loop.withLock { () throws(PipeWireError) in
            stream = try PipeWireStream.startLocked(
                loop: loop, device: device, consumer: self, kind: "camera", name: "trtcd camera",
                properties: [
                    "media.type": "Video", "media.category": "Capture", "media.role": "Camera",
                    "node.description": "trtcd camera capture",
                ],
                timeout: startTimeout)
        }
    }

    deinit {
        stop()
    }

    /// The negotiated camera format.
    public var format: VideoCaptureFormat? {
        loop.withLock { negotiated }
    }

    /// What happened to the camera's buffers so far.
    public var statistics: VideoCaptureStatistics {
        loop.withLock { counts }
    }

    /// Why capture ended, once it has.
    public var stopReason: CaptureStopReason? {
        loop.withLock { finalReason }
    }

    /// Destroys the stream (releasing the camera) and ends `events` with `.stopped(.requested)`.
    /// Idempotent.
    public func stop() {
        loop.withLock {
            stream?.closeLocked()
            stream = nil
        }
    }
}
