/// What an `AudioPlayback` played.
public struct AudioPlaybackStatistics: Sendable, Equatable {
    /// Samples handed to the sink (silence while waiting for data not counted).
    public var samplesPlayed = 0
    /// Times the queue ran dry while playing (the sink got silence; playback waits for the prebuffer again).
    public var underruns = 0
    /// Samples dropped because more than the maximum delay was queued.
    public var samplesDropped = 0
    /// Samples skipped to shrink the delay towards the target.
    public var samplesSkipped = 0
    /// Silence played after the first sample because nothing was queued (late or missing packets, or the sender's
    /// DTX pauses, which the receiver tells apart).
    public var silenceSamples = 0
    /// Playing started (the target was reached once).
    public var started = false
    /// The target delay in samples.
    public var targetSamples = 0
}
