/// What an `AudioPlayback` played.
public struct AudioPlaybackStatistics: Sendable, Equatable {
    /// Samples handed to the sink (silence while waiting for data not counted).
    public var samplesPlayed = 0
    /// Times the queue ran dry while playing (the sink got silence; playback waits for the prebuffer again).
    public var underruns = 0
    /// Samples dropped because more than the maximum delay was queued.
    public var samplesDropped = 0
}
