/// What `StartLocalAudio` asks of the microphone. Samples are 32-bit float, interleaved.
public struct AudioCaptureOptions: Sendable, Equatable {
    /// `node.name` or `object.serial` of an Audio/Source node; nil or empty: the default microphone.
    public var microphone: String?
    /// PipeWire resamples and remixes to this rate and channel count.
    public var sampleRate: Int
    public var channels: Int
    /// Samples per delivered frame (the stream's `node.latency`); 480 = 10 ms at 48 kHz.
    public var framesPerBuffer: Int

    public init(microphone: String? = nil, sampleRate: Int = 48_000, channels: Int = 1, framesPerBuffer: Int = 480) {
        self.microphone = microphone
        self.sampleRate = sampleRate
        self.channels = channels
        self.framesPerBuffer = framesPerBuffer
    }

    func validate() throws(PipeWireError) {
        guard [8_000, 12_000, 16_000, 24_000, 32_000, 44_100, 48_000, 96_000].contains(sampleRate) else {
            throw .invalidArgument("sample rate \(sampleRate) is not supported")
        }
        guard (1...2).contains(channels) else { throw .invalidArgument("channel count \(channels) is outside 1…2") }
        guard (16...8192).contains(framesPerBuffer) else {
            throw .invalidArgument("frames per buffer \(framesPerBuffer) is outside 16…8192")
        }
    }
}
