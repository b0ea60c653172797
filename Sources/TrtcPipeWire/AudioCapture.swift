import CPipeWire

/// Captures a microphone (a PipeWire Audio/Source node) as float samples at the requested
/// rate and channel count (PipeWire converts).
///
/// Same lifecycle as `VideoCapture`: creating one opens the microphone and returns once samples
/// flow; `stop()` or releasing it destroys the stream; unplugging ends `events` with `.stopped`.
public final class AudioCapture: @unchecked Sendable {
    public let device: PipeWireDevice
    public let options: AudioCaptureOptions
    /// Sample frames and the final stop. Holds about two seconds if the consumer lags.
    public let events: AsyncStream<AudioCaptureEvent>

    let loop: PipeWireLoop
    let continuation: AsyncStream<AudioCaptureEvent>.Continuation
    private var stream: PipeWireStream?
    // Loop-thread state.
    var negotiatedRate = 0
    var negotiatedChannels = 0
    var finalReason: CaptureStopReason?

    /// Opens the microphone `options.microphone` (default: the session's default microphone).
    /// - Throws: `deviceUnavailable`, `invalidArgument`, `connectionFailed`.
    public init(loop: PipeWireLoop, options: AudioCaptureOptions = AudioCaptureOptions(), startTimeout: Duration = .seconds(3)) throws(PipeWireError) {
        try options.validate()
        let device = try loop.devices().resolve(options.microphone, of: .audioSource)
        self.loop = loop
        self.device = device
        self.options = options
        let bufferedFrames = max(8, 2 * options.sampleRate / options.framesPerBuffer)
        (events, continuation) = AsyncStream.makeStream(of: AudioCaptureEvent.self, bufferingPolicy: .bufferingNewest(bufferedFrames))

        try loop.withLock { () throws(PipeWireError) in
            stream = try PipeWireStream.startLocked(
                loop: loop, device: device, consumer: self, kind: "microphone", name: "trtcd microphone",
                properties: [
                    "media.type": "Audio", "media.category": "Capture", "media.role": "Communication",
                    "node.description": "trtcd microphone capture",
                    "node.latency": "\(options.framesPerBuffer)/\(options.sampleRate)",
                ],
                timeout: startTimeout)
        }
    }

    deinit {
        stop()
    }

    /// Why capture ended, once it has.
    public var stopReason: CaptureStopReason? {
        loop.withLock { finalReason }
    }

    /// Destroys the stream (releasing the microphone) and ends `events` with `.stopped(.requested)`.
    public func stop() {
        loop.withLock {
            stream?.closeLocked()
            stream = nil
        }
    }
}
