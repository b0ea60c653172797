/// A run of microphone samples: 32-bit float, interleaved, nominally -1…1.
public struct CapturedAudioFrame: Sendable, Equatable {
    public let samples: [Float]
    public let sampleRate: Int
    public let channels: Int
    /// Monotonic capture time of the first sample (when the buffer arrived).
    public let timestamp: Duration

    public init(samples: [Float], sampleRate: Int, channels: Int, timestamp: Duration) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.channels = channels
        self.timestamp = timestamp
    }

    /// Samples per channel.
    public var frameCount: Int { channels > 0 ? samples.count / channels : 0 }
    public var duration: Duration { .seconds(Double(frameCount) / Double(max(sampleRate, 1))) }
}
