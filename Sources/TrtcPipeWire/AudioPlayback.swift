import CPipeWire

/// Plays mono audio (F32 samples) through a PipeWire playback stream that the session manager links to the default
/// sink, e.g. a remote user's decoded voice.
///
/// The sink's clock pulls: each `process` takes what the sink asks for from a buffer that `enqueue` fills — the audio
/// jitter buffer. It starts playing once the target delay is buffered (at least `prebufferSamples`; the receiver sets
/// the target from the jitter it measures), plays silence when it runs dry and then waits for the target again (so the
/// delay grows at once when packets come late), and while more than the target plus `shrinkThresholdSamples` stays
/// buffered it skips `shrinkStepSamples` every `shrinkIntervalSamples` (so the delay shrinks slowly, ≤ 2 %). The
/// oldest samples beyond `maximumBufferedSamples` are dropped, so the delay is bounded. State lives on the PipeWire loop
/// thread; the public members take the loop lock.
public final class AudioPlayback: @unchecked Sendable {
    public let nodeName: String
    public let sampleRate: Int
    /// 40 ms at 48 kHz: two Opus packets of jitter; the smallest target.
    public let prebufferSamples: Int
    /// The largest target: 300 ms.
    public let maximumTargetSamples: Int
    /// 500 ms at 48 kHz.
    public let maximumBufferedSamples: Int
    /// Shrinking: 10 ms skipped at most every 500 ms, when 20 ms more than the target are buffered.
    public let shrinkThresholdSamples: Int
    public let shrinkStepSamples: Int
    public let shrinkIntervalSamples: Int

    let loop: PipeWireLoop
    private var stream: PipeWireStream?
    // Loop-thread state.
    private var pending: [Float] = []
    private var pendingStart = 0
    private var playing = false
    private var targetSamples: Int
    private var samplesSinceShrink = 0
    private(set) var statistics = AudioPlaybackStatistics()

    /// Creates the playback stream `nodeName` (media.role Communication) and waits until PipeWire has created its node.
    /// - Throws: `connectionFailed` when PipeWire refuses the stream or does not create it within `timeout`.
    public init(loop: PipeWireLoop, nodeName: String, description: String, sampleRate: Int = 48_000,
                timeout: Duration = .seconds(3)) throws(PipeWireError) {
        self.loop = loop
        self.nodeName = nodeName
        self.sampleRate = sampleRate
        prebufferSamples = sampleRate / 25
        maximumTargetSamples = sampleRate * 3 / 10
        maximumBufferedSamples = sampleRate / 2
        shrinkThresholdSamples = sampleRate / 50
        shrinkStepSamples = sampleRate / 100
        shrinkIntervalSamples = sampleRate / 2
        targetSamples = prebufferSamples
        try loop.withLock { () throws(PipeWireError) in
            stream = try PipeWireStream.openNodeLocked(
                loop: loop, endpoint: .playback(nodeName: nodeName), consumer: self, name: nodeName,
                properties: [
                    "media.type": "Audio", "media.category": "Playback", "media.role": "Communication",
                    "node.description": description, "node.latency": "\(sampleRate / 50)/\(sampleRate)",
                ],
                timeout: timeout)
        }
    }

    deinit { stop() }

    /// The stream's node id; nil once stopped.
    public var nodeId: UInt32? {
        loop.withLock { stream?.nodeId }
    }

    /// What was played so far.
    public var playbackStatistics: AudioPlaybackStatistics {
        loop.withLock { statistics }
    }

    /// Queues samples to play after those already queued; `targetDelaySamples` (clamped to `prebufferSamples…
    /// maximumTargetSamples`) replaces the target. Returns what was played so far (read under the same lock).
    @discardableResult
    public func enqueue(_ samples: [Float], targetDelaySamples: Int? = nil) -> AudioPlaybackStatistics {
        loop.withLock {
            if let targetDelaySamples { targetSamples = min(max(targetDelaySamples, prebufferSamples), maximumTargetSamples) }
            statistics.targetSamples = targetSamples
            pending.append(contentsOf: samples)
            let buffered = pending.count - pendingStart
            if buffered > maximumBufferedSamples {
                let excess = buffered - maximumBufferedSamples
                pendingStart += excess
                statistics.samplesDropped += excess
            }
            // Compact now and then instead of shifting on every read.
            if pendingStart > 4 * maximumBufferedSamples {
                pending.removeFirst(pendingStart)
                pendingStart = 0
            }
            return statistics
        }
    }

    /// Destroys the stream (its node disappears from PipeWire). Idempotent.
    public func stop() {
        loop.withLock {
            stream?.closeLocked()
            stream = nil
        }
    }
}

extension AudioPlayback: PipeWireStreamConsumer {
    func formatParams(builder: UnsafeMutablePointer<spa_pod_builder>) -> [UnsafePointer<spa_pod>] {
        [trtc_pw_build_audio_raw_enum_format(builder, SPA_AUDIO_FORMAT_F32.rawValue, UInt32(sampleRate), 1)].compactMap { $0 }
    }

    var bufferCount: (preferred: Int32, range: ClosedRange<Int32>) { (4, 2...8) }

    /// The graph sizes audio buffers itself.
    func bufferParams(builder: UnsafeMutablePointer<spa_pod_builder>) -> [UnsafePointer<spa_pod>?] { [] }

    func formatChanged(_ format: UnsafePointer<spa_pod>) -> String? {
        var info = spa_audio_info_raw()
        guard trtc_pw_parse_audio_raw(format, &info) >= 0 else { return "unreadable raw audio format" }
        guard info.format == SPA_AUDIO_FORMAT_F32, info.channels == 1, Int(info.rate) == sampleRate else {
            return "playback '\(nodeName)' plays only F32 mono at \(sampleRate) Hz"
        }
        return nil
    }

    func process(_ buffer: UnsafeMutablePointer<spa_buffer>, timestamp: Duration) {
        process(buffer, requestedFrames: 0, timestamp: timestamp)
    }

    /// Fills one buffer from the queue, on the loop thread.
    func process(_ buffer: UnsafeMutablePointer<spa_buffer>, requestedFrames: Int, timestamp: Duration) {
        guard buffer.pointee.n_datas > 0, let data = buffer.pointee.datas, let base = data[0].data, let chunk = data[0].chunk
        else { return }
        let capacity = Int(data[0].maxsize) / MemoryLayout<Float>.size
        let frames = min(capacity, requestedFrames > 0 ? requestedFrames : sampleRate / 50)
        let output = base.bindMemory(to: Float.self, capacity: frames)
        var buffered = pending.count - pendingStart
        if !playing && buffered >= targetSamples {
            playing = true
            statistics.started = true
        }
        samplesSinceShrink += frames
        if playing, buffered - frames > targetSamples + shrinkThresholdSamples, samplesSinceShrink >= shrinkIntervalSamples {
            // More buffered than the jitter needs: play 10 ms less (the delay shrinks slowly), cross-fading over 1 ms
            // from where playback was into where it continues, so the skip does not click.
            let fade = sampleRate / 1000
            for index in 0..<fade {
                let weight = Float(index + 1) / Float(fade + 1)
                let from = pending[pendingStart + index]
                let into = pendingStart + shrinkStepSamples + index
                pending[into] = from * (1 - weight) + pending[into] * weight
            }
            pendingStart += shrinkStepSamples
            buffered -= shrinkStepSamples
            statistics.samplesSkipped += shrinkStepSamples
            samplesSinceShrink = 0
        }
        let taken = playing ? min(frames, buffered) : 0
        if taken > 0 {
            pending.withUnsafeBufferPointer { samples in
                output.update(from: samples.baseAddress! + pendingStart, count: taken)
            }
            pendingStart += taken
        }
        if taken < frames {
            (output + taken).update(repeating: 0, count: frames - taken)
            if statistics.started { statistics.silenceSamples += frames - taken }
            if playing {
                statistics.underruns += 1
                playing = false
            }
        }
        statistics.samplesPlayed += taken
        chunk.pointee.offset = 0
        chunk.pointee.stride = Int32(MemoryLayout<Float>.size)
        chunk.pointee.size = UInt32(frames * MemoryLayout<Float>.size)
    }

    func captureStopped(_ reason: CaptureStopReason) {}
}
