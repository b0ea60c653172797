import CPipeWire

/// Plays mono audio (F32 samples) through a PipeWire playback stream that the session manager links to the default
/// sink, e.g. a remote user's decoded voice.
///
/// The sink's clock pulls: each `process` takes what the sink asks for from a small buffer that `enqueue` fills. It
/// starts playing once `prebufferSamples` are there (to ride out network jitter), plays silence when it runs dry
/// (and then waits for the prebuffer again), and drops the oldest samples beyond `maximumBufferedSamples` so the delay
/// cannot grow. State lives on the PipeWire loop thread; the public members take the loop lock.
public final class AudioPlayback: @unchecked Sendable {
    public let nodeName: String
    public let sampleRate: Int
    /// 40 ms at 48 kHz: two Opus packets of jitter.
    public let prebufferSamples: Int
    /// 200 ms at 48 kHz.
    public let maximumBufferedSamples: Int

    let loop: PipeWireLoop
    private var stream: PipeWireStream?
    // Loop-thread state.
    private var pending: [Float] = []
    private var pendingStart = 0
    private var playing = false
    private(set) var statistics = AudioPlaybackStatistics()

    /// Creates the playback stream `nodeName` (media.role Communication) and waits until PipeWire has created its node.
    /// - Throws: `connectionFailed` when PipeWire refuses the stream or does not create it within `timeout`.
    public init(loop: PipeWireLoop, nodeName: String, description: String, sampleRate: Int = 48_000,
                timeout: Duration = .seconds(3)) throws(PipeWireError) {
        self.loop = loop
        self.nodeName = nodeName
        self.sampleRate = sampleRate
        prebufferSamples = sampleRate / 25
        maximumBufferedSamples = sampleRate / 5
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

    /// Queues samples to play after those already queued.
    public func enqueue(_ samples: [Float]) {
        loop.withLock {
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
        let buffered = pending.count - pendingStart
        if !playing && buffered >= prebufferSamples { playing = true }
        let taken = playing ? min(frames, buffered) : 0
        if taken > 0 {
            pending.withUnsafeBufferPointer { samples in
                output.update(from: samples.baseAddress! + pendingStart, count: taken)
            }
            pendingStart += taken
        }
        if taken < frames {
            (output + taken).update(repeating: 0, count: frames - taken)
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
