import CPipeWire

/// Receives the core's `done` and `error` events for `PipeWireLoop`.
/// Mutated only on the loop thread or under the loop lock.
final class CoreListener: @unchecked Sendable {
    private let threadLoop: OpaquePointer
    private let hook: UnsafeMutablePointer<spa_hook>
    private let events: UnsafeMutablePointer<pw_core_events>
    private var attached = false

    /// Sequence number of the latest `done` reply.
    private(set) var lastDoneSequence: Int32 = -1
    /// Set when the connection to the daemon broke.
    private(set) var fatalError: String?

    init(threadLoop: OpaquePointer) {
        self.threadLoop = threadLoop
        hook = .allocate(capacity: 1)
        hook.initialize(to: spa_hook())
        events = .allocate(capacity: 1)
        events.initialize(to: trtc_pw_core_events(
            { data, id, sequence in
                guard let data else { return }
                Unmanaged<CoreListener>.fromOpaque(data).takeUnretainedValue().done(id: id, sequence: sequence)
            },
            { data, id, sequence, result, message in
                guard let data else { return }
                let text = message.map { String(cString: $0) } ?? String(cString: trtc_spa_strerror(result))
                Unmanaged<CoreListener>.fromOpaque(data).takeUnretainedValue().error(id: id, result: result, message: text)
            }))
    }

    deinit {
        hook.deinitialize(count: 1)
        hook.deallocate()
        events.deinitialize(count: 1)
        events.deallocate()
    }

    func attach(to core: OpaquePointer) {
        _ = trtc_pw_core_add_listener(core, hook, events, Unmanaged.passUnretained(self).toOpaque())
        attached = true
    }

    func detach() {
        guard attached else { return }
        trtc_spa_hook_remove(hook)
        attached = false
    }

    private func done(id: UInt32, sequence: Int32) {
        guard id == PW_ID_CORE else { return }
        lastDoneSequence = sequence
        pw_thread_loop_signal(threadLoop, false)
    }

    private func error(id: UInt32, result: Int32, message: String) {
        // Only a broken connection (-EPIPE on the core) is fatal; other core errors, such as
        // "unknown resource" after the daemon removed an object we still addressed, are not.
        guard id == PW_ID_CORE, result == -EPIPE else { return }
        fatalError = "PipeWire connection error: \(message)"
        pw_thread_loop_signal(threadLoop, false)
    }
}
