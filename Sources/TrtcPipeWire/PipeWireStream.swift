import CPipeWire

/// What a `PipeWireStream` needs from its media-specific owner. Called on the loop thread
/// (or under the loop lock).
protocol PipeWireStreamConsumer: AnyObject {
    /// The EnumFormat params to offer, built with `builder`.
    func formatParams(builder: UnsafeMutablePointer<spa_pod_builder>) -> [UnsafePointer<spa_pod>]
    /// How many buffers to ask for between the device and the stream: the preferred count and the range
    /// accepted. Each buffer of a video stream is a whole picture in shared memory mapped into this process.
    var bufferCount: (preferred: Int32, range: ClosedRange<Int32>) { get }
    /// The negotiated format; returns why it is unusable, or nil to accept it.
    func formatChanged(_ format: UnsafePointer<spa_pod>) -> String?
    /// One filled buffer (capture), or one to fill (source, playback); valid only during the call.
    func process(_ buffer: UnsafeMutablePointer<spa_buffer>, timestamp: Duration)
    /// The same with the frames a playback stream is asked for (`pw_buffer.requested`, 0 when unknown);
    /// by default `process(_:timestamp:)`.
    func process(_ buffer: UnsafeMutablePointer<spa_buffer>, requestedFrames: Int, timestamp: Duration)
    /// The stream ended (exactly once).
    func captureStopped(_ reason: CaptureStopReason)
    /// The Buffers and Meta params for the negotiated format (default: a header meta and `bufferCount` buffers).
    func bufferParams(builder: UnsafeMutablePointer<spa_pod_builder>) -> [UnsafePointer<spa_pod>?]
}

extension PipeWireStreamConsumer {
    func process(_ buffer: UnsafeMutablePointer<spa_buffer>, requestedFrames: Int, timestamp: Duration) {
        process(buffer, timestamp: timestamp)
    }

    func bufferParams(builder: UnsafeMutablePointer<spa_pod_builder>) -> [UnsafePointer<spa_pod>?] {
        // A header meta on each buffer (sequence numbers, producer timestamps), and spare
        // buffers: test sources (and some drivers) stop for good once they run out.
        [
            trtc_pw_build_meta_header_param(builder),
            trtc_pw_build_buffers_param(builder, bufferCount.preferred, bufferCount.range.lowerBound, bufferCount.range.upperBound),
        ]
    }
}

/// One `pw_stream`: capturing from a device node (video and audio capture), or itself a source node that others
/// link to (`VideoSource`, which fills each buffer in `process`).
///
/// Owned by the loop thread: every method must be called on it or under `PipeWireLoop.withLock`.
/// Teardown that a PipeWire callback asks for (stream error, node removed) is deferred to a
/// loop event, since a stream must not be destroyed from inside its own callbacks.
///
/// Stopping is two steps. `finishLocked` removes the listener and disconnects, which takes the
/// node off PipeWire's data thread. But that thread hands each `process` to the loop thread as a
/// queued invoke holding a raw pointer to the `pw_stream` (libpipewire 0.3.65, no `PW_STREAM_FLAG_RT_PROCESS`);
/// one may still be queued after the disconnect. `closeLocked` therefore lets the loop thread run
/// past such items (`drainLoopLocked`) before `pw_stream_destroy`, or it would read freed memory.
final class PipeWireStream: @unchecked Sendable {
    enum Phase: Equatable {
        case idle
        case connecting
        case streaming
        case finished(CaptureStopReason)
    }

    /// What this stream is: the capture of a device, or a source node.
    enum Endpoint {
        case capture(PipeWireDevice)
        case source(nodeName: String)
        /// A playback stream the session manager links to the default sink.
        case playback(nodeName: String)
    }

    let endpoint: Endpoint
    private let loop: PipeWireLoop
    private weak var consumer: (any PipeWireStreamConsumer)?
    private(set) var phase: Phase = .idle

    private var stream: OpaquePointer?
    /// Disconnected but not yet destroyed: the loop may still hold queued invokes for it.
    private var disconnectedStream: OpaquePointer?
    private let streamHook: UnsafeMutablePointer<spa_hook>
    private let streamEvents: UnsafeMutablePointer<pw_stream_events>
    private var registryWatcher: RegistryWatcher?
    private var stopEvent: UnsafeMutablePointer<spa_source>?
    private var pendingStop: CaptureStopReason?
    private var drainEvent: UnsafeMutablePointer<spa_source>?
    private var drainPasses = 0
    /// A source's trigger, run on the loop thread (`triggerProcessLocked`).
    private var triggerEvent: UnsafeMutablePointer<spa_source>?
    /// A closeLocked is waiting for the loop thread (with the lock released).
    private var closing = false

    init(loop: PipeWireLoop, endpoint: Endpoint, consumer: any PipeWireStreamConsumer) {
        self.loop = loop
        self.endpoint = endpoint
        self.consumer = consumer
        streamHook = .allocate(capacity: 1)
        streamHook.initialize(to: spa_hook())
        streamEvents = .allocate(capacity: 1)
        streamEvents.initialize(to: trtc_pw_stream_events(
            { data, _, state, error in
                guard let data else { return }
                Unmanaged<PipeWireStream>.fromOpaque(data).takeUnretainedValue()
                    .stateChanged(state, error: error.map { String(cString: $0) })
            },
            { data, id, param in
                guard let data, let param else { return }
                Unmanaged<PipeWireStream>.fromOpaque(data).takeUnretainedValue().paramChanged(id: id, param: param)
            },
            { data in
                guard let data else { return }
                Unmanaged<PipeWireStream>.fromOpaque(data).takeUnretainedValue().process()
            }))
    }

    deinit {
        precondition(
            stream == nil && disconnectedStream == nil && stopEvent == nil && drainEvent == nil && triggerEvent == nil
                && registryWatcher == nil,
            "PipeWireStream released without close()")
        streamHook.deinitialize(count: 1)
        streamHook.deallocate()
        streamEvents.deinitialize(count: 1)
        streamEvents.deallocate()
    }

    /// The node's name for messages: the device's, or the source's.
    private var endpointName: String {
        switch endpoint {
        case .capture(let device): device.name
        case .source(let nodeName), .playback(let nodeName): nodeName
        }
    }

    /// This stream's own node id, once PipeWire has created the node (nil before, and after it ended).
    var nodeId: UInt32? {
        guard let stream else { return nil }
        let id = pw_stream_get_node_id(stream)
        return id == UInt32.max ? nil : id
    }

    /// Creates the stream; a capture asks the session manager to link it to its device, a source waits for others
    /// to link to it. Under the lock.
    func connectLocked(name: String, properties: [String: String]) throws(PipeWireError) {
        precondition(phase == .idle, "connect called twice")
        let pwLoop = pw_thread_loop_get_loop(loop.threadLoop)
        stopEvent = trtc_pw_loop_add_event(pwLoop, { data, _ in
            guard let data else { return }
            Unmanaged<PipeWireStream>.fromOpaque(data).takeUnretainedValue().runPendingStop()
        }, Unmanaged.passUnretained(self).toOpaque())
        drainEvent = trtc_pw_loop_add_event(pwLoop, { data, _ in
            guard let data else { return }
            let stream = Unmanaged<PipeWireStream>.fromOpaque(data).takeUnretainedValue()
            stream.drainPasses += 1
            stream.loop.signalWaiters()
        }, Unmanaged.passUnretained(self).toOpaque())
        if case .source = endpoint {
            triggerEvent = trtc_pw_loop_add_event(pwLoop, { data, _ in
                guard let data else { return }
                Unmanaged<PipeWireStream>.fromOpaque(data).takeUnretainedValue().triggerOnLoopThread()
            }, Unmanaged.passUnretained(self).toOpaque())
        }

        let streamProperties = trtc_pw_properties_new_empty()
        for (key, value) in properties { pw_properties_set(streamProperties, key, value) }
        if case .capture(let device) = endpoint {
            let deviceId = device.id
            registryWatcher = try RegistryWatcher(
                loop: loop, onGlobal: { _ in },
                onGlobalRemoved: { [weak self] id in
                    guard let self, id == deviceId else { return }
                    self.scheduleStop(.deviceRemoved(device.name))
                })
            // target.object takes a node.name or object.serial; the serial names exactly this node.
            pw_properties_set(streamProperties, "target.object", String(device.serial))
        } else if case .source(let nodeName) = endpoint {
            pw_properties_set(streamProperties, "node.name", nodeName)
        } else if case .playback(let nodeName) = endpoint {
            pw_properties_set(streamProperties, "node.name", nodeName)
        }
        guard let stream = pw_stream_new(loop.core, name, streamProperties) else {
            closeLocked()
            throw .connectionFailed("could not create a PipeWire stream: \(String(cString: trtc_spa_strerror(-trtc_errno())))")
        }
        self.stream = stream
        pw_stream_add_listener(stream, streamHook, streamEvents, Unmanaged.passUnretained(self).toOpaque())

        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 8)
        defer { scratch.deallocate() }
        var builder = trtc_spa_pod_builder(scratch, 4096)
        var params: [UnsafePointer<spa_pod>?] = consumer?.formatParams(builder: &builder) ?? []
        phase = .connecting
        let result = params.withUnsafeMutableBufferPointer { buffer in
            switch endpoint {
            case .capture:
                pw_stream_connect(
                    stream, SPA_DIRECTION_INPUT, UInt32.max /* PW_ID_ANY */, trtc_pw_capture_stream_flags(),
                    buffer.baseAddress, UInt32(buffer.count))
            case .source:
                pw_stream_connect(
                    stream, SPA_DIRECTION_OUTPUT, UInt32.max /* PW_ID_ANY */, trtc_pw_source_stream_flags(),
                    buffer.baseAddress, UInt32(buffer.count))
            case .playback:
                pw_stream_connect(
                    stream, SPA_DIRECTION_OUTPUT, UInt32.max /* PW_ID_ANY */, trtc_pw_playback_stream_flags(),
                    buffer.baseAddress, UInt32(buffer.count))
            }
        }
        guard result >= 0 else {
            let message = String(cString: trtc_spa_strerror(result))
            finishLocked(.streamError(message))
            closeLocked()
            switch endpoint {
            case .capture(let device):
                throw .deviceUnavailable("cannot connect to \(device.mediaClass.deviceNoun) '\(device.name)': \(message)")
            case .source(let nodeName), .playback(let nodeName):
                throw .connectionFailed("cannot create the PipeWire node '\(nodeName)': \(message)")
            }
        }
    }

    /// A source stream's graph runs once, as soon as the loop thread gets to it (it drives itself): `process` fills
    /// the next buffer, then the graph takes it. Under the lock. Triggers that come faster than the loop thread runs
    /// them are merged into one (the newest picture goes out).
    ///
    /// The trigger runs on the loop thread because `pw_stream_trigger_process` starts two things: the `process`
    /// callback (invoked on the loop thread: at once when called there, queued when called from another thread) and
    /// the graph cycle (on PipeWire's data thread). Called from another thread, the cycle usually ran before
    /// `process` had queued the new buffer, so each picture went out one trigger later (a frame interval of latency
    /// for a 30 fps pusher) and some were lost (measured with `trtc-bench camera --read self`: 26–30 of 30 a second read
    /// back, 32 ms at the median; called on the loop thread, 30 of 30 and under 1 ms).
    func triggerProcessLocked() {
        guard stream != nil, let triggerEvent else { return }
        _ = trtc_pw_loop_signal_event(pw_thread_loop_get_loop(loop.threadLoop), triggerEvent)
    }

    private func triggerOnLoopThread() {
        guard let stream, case .source = endpoint else { return }
        _ = pw_stream_trigger_process(stream)
    }

    /// Waits until media flows; returns why it stopped instead, or nil when streaming. Under the lock.
    func waitUntilStreamingLocked(timeout: Duration) -> CaptureStopReason? {
        let streaming = loop.waitLocked(timeout: timeout) {
            if case .connecting = phase { return false }
            return true
        }
        if case .finished(let reason) = phase { return reason }
        if !streaming {
            return .streamError(
                "no media from '\(endpointName)' within \(timeout) (no format both sides support, such as an "
                    + "MJPG-only camera, or the session manager did not link the stream)")
        }
        return nil
    }

    /// Tears down the stream and reports `reason` to the consumer, once. Loop thread or lock;
    /// never from inside a stream callback (use `scheduleStop`).
    func finishLocked(_ reason: CaptureStopReason) {
        if case .finished = phase { return }
        phase = .finished(reason)
        pendingStop = nil
        if let stream {
            trtc_spa_hook_remove(streamHook)
            pw_stream_disconnect(stream)
            // Destroyed in closeLocked, once the loop has run any process invoke queued for it.
            disconnectedStream = stream
            self.stream = nil
        }
        registryWatcher?.close()
        registryWatcher = nil
        loop.signalWaiters()
        consumer?.captureStopped(reason)
    }

    /// Stops (as requested) if still running, destroys the stream and releases the loop events.
    /// Under the lock from another thread than the loop thread (it waits for the loop thread);
    /// the lock is released meanwhile, so the caller must keep this object alive.
    func closeLocked() {
        if closing {
            // Another thread's close is draining: return once it has finished.
            _ = loop.waitLocked(timeout: .seconds(5)) { !closing }
            return
        }
        closing = true
        defer {
            closing = false
            loop.signalWaiters()
        }
        finishLocked(.requested)
        if let stream = disconnectedStream {
            disconnectedStream = nil
            if drainLoopLocked() {
                pw_stream_destroy(stream)
            }
            // Otherwise the loop thread is stuck: leaking the disconnected stream is safer than
            // freeing memory a queued invoke still points to.
        }
        let pwLoop = pw_thread_loop_get_loop(loop.threadLoop)
        if let stopEvent {
            trtc_pw_loop_destroy_source(pwLoop, stopEvent)
            self.stopEvent = nil
        }
        if let drainEvent {
            trtc_pw_loop_destroy_source(pwLoop, drainEvent)
            self.drainEvent = nil
        }
        if let triggerEvent {
            trtc_pw_loop_destroy_source(pwLoop, triggerEvent)
            self.triggerEvent = nil
        }
    }

    /// Waits until the loop thread has finished every loop iteration that could still dispatch
    /// invokes queued before now. Our event fires in some iteration that polled after this call
    /// (so it also saw the invoke queue's wakeup); firing it once more ends that iteration.
    private func drainLoopLocked(timeout: Duration = .seconds(2)) -> Bool {
        guard let drainEvent else { return true }
        let pwLoop = pw_thread_loop_get_loop(loop.threadLoop)
        for _ in 0..<2 {
            let target = drainPasses + 1
            _ = trtc_pw_loop_signal_event(pwLoop, drainEvent)
            guard loop.waitLocked(timeout: timeout, until: { drainPasses >= target }) else { return false }
        }
        return true
    }

    // MARK: loop-thread callbacks

    private func scheduleStop(_ reason: CaptureStopReason) {
        if case .finished = phase { return }
        if pendingStop == nil { pendingStop = reason }
        if let stopEvent {
            _ = trtc_pw_loop_signal_event(pw_thread_loop_get_loop(loop.threadLoop), stopEvent)
        }
    }

    private func runPendingStop() {
        guard let reason = pendingStop else { return }
        finishLocked(reason)
    }

    private func stateChanged(_ state: pw_stream_state, error: String?) {
        switch state {
        case PW_STREAM_STATE_ERROR:
            scheduleStop(.streamError(error ?? "unknown stream error"))
        case PW_STREAM_STATE_UNCONNECTED:
            scheduleStop(.disconnected(error ?? "the stream was disconnected"))
        case PW_STREAM_STATE_STREAMING:
            if phase == .connecting { phase = .streaming }
        default:
            break
        }
        loop.signalWaiters()
    }

    private func paramChanged(id: UInt32, param: UnsafePointer<spa_pod>) {
        guard id == SPA_PARAM_Format.rawValue, let stream, let consumer else { return }
        if let problem = consumer.formatChanged(param) {
            _ = trtc_pw_stream_set_error(stream, -EINVAL, problem)
            return
        }
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 1024, alignment: 8)
        defer { scratch.deallocate() }
        var builder = trtc_spa_pod_builder(scratch, 1024)
        var params = consumer.bufferParams(builder: &builder)
        _ = params.withUnsafeMutableBufferPointer { buffer in
            pw_stream_update_params(stream, buffer.baseAddress, UInt32(buffer.count))
        }
    }

    private func process() {
        guard let stream, let buffer = pw_stream_dequeue_buffer(stream) else { return }
        defer { pw_stream_queue_buffer(stream, buffer) }
        guard let spaBuffer = buffer.pointee.buffer else { return }
        consumer?.process(spaBuffer, requestedFrames: Int(clamping: buffer.pointee.requested), timestamp: .nanoseconds(trtc_monotonic_ns()))
    }
}
