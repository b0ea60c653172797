import CPipeWire

/// One connection to the PipeWire daemon, driven by its own `pw_thread_loop`.
///
/// The loop thread owns the context, the core and every proxy and stream made from them:
/// PipeWire calls happen either in callbacks (which run on the loop thread) or inside
/// `withLock`, which holds the thread loop's lock. The daemon is found the usual way
/// (`PIPEWIRE_REMOTE`, `PIPEWIRE_RUNTIME_DIR`, `XDG_RUNTIME_DIR`).
public final class PipeWireLoop: @unchecked Sendable {
    // Set once in init, destroyed in deinit: safe to read from any thread.
    let threadLoop: OpaquePointer
    let context: OpaquePointer
    let core: OpaquePointer
    private let coreListener: CoreListener

    /// Connects to the daemon and starts the loop thread.
    /// - Parameters:
    ///   - name: the client's `application.name` as other PipeWire tools show it.
    ///   - remote: the daemon's socket (name in the runtime dir, or absolute path);
    ///     nil: `PIPEWIRE_REMOTE`, else `pipewire-0`.
    public init(name: String = "trtcd", remote: String? = nil) throws(PipeWireError) {
        pw_init(nil, nil)
        guard let threadLoop = pw_thread_loop_new("trtcd-pipewire", nil) else {
            throw .connectionFailed("could not create a PipeWire thread loop")
        }
        let contextProperties = trtc_pw_properties_new_empty()
        guard let context = pw_context_new(pw_thread_loop_get_loop(threadLoop), contextProperties, 0) else {
            pw_thread_loop_destroy(threadLoop)
            throw .connectionFailed("could not create a PipeWire context")
        }
        let coreProperties = trtc_pw_properties_new_empty()
        pw_properties_set(coreProperties, "application.name", name)
        if let remote { pw_properties_set(coreProperties, "remote.name", remote) }
        guard let core = pw_context_connect(context, coreProperties, 0) else {
            let reason = String(cString: trtc_spa_strerror(-trtc_errno()))
            pw_context_destroy(context)
            pw_thread_loop_destroy(threadLoop)
            throw .connectionFailed("cannot connect to the PipeWire daemon: \(reason)")
        }
        self.threadLoop = threadLoop
        self.context = context
        self.core = core
        self.coreListener = CoreListener(threadLoop: threadLoop)
        coreListener.attach(to: core)
        guard pw_thread_loop_start(threadLoop) >= 0 else {
            coreListener.detach()
            pw_core_disconnect(core)
            pw_context_destroy(context)
            pw_thread_loop_destroy(threadLoop)
            throw .connectionFailed("could not start the PipeWire loop thread")
        }
    }

    deinit {
        // Stop the thread first so no callback runs while the core goes away.
        pw_thread_loop_stop(threadLoop)
        coreListener.detach()
        pw_core_disconnect(core)
        pw_context_destroy(context)
        pw_thread_loop_destroy(threadLoop)
    }

    /// Runs `body` holding the loop lock (the loop thread is paused meanwhile).
    /// Must not be called from a PipeWire callback, which already runs on the loop thread.
    public func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        pw_thread_loop_lock(threadLoop)
        defer { pw_thread_loop_unlock(threadLoop) }
        return try body()
    }

    /// Wakes every `waitLocked` caller (from the loop thread or under the lock).
    func signalWaiters() {
        pw_thread_loop_signal(threadLoop, false)
    }

    /// Waits under the lock until `condition` holds or `timeout` passes; returns whether it held.
    /// The lock is released while waiting so the loop thread can run callbacks.
    func waitLocked(timeout: Duration, until condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return condition() }
            let nanoseconds = remaining.components.seconds * 1_000_000_000 + remaining.components.attoseconds / 1_000_000_000
            _ = trtc_pw_thread_loop_wait_ns(threadLoop, max(nanoseconds, 1))
        }
        return true
    }

    /// Sends a `sync` to the daemon and waits for its `done`: every event caused by earlier
    /// requests has then been delivered. Call under the lock.
    func roundTripLocked(timeout: Duration = .seconds(3)) throws(PipeWireError) {
        if let error = coreListener.fatalError { throw .connectionFailed(error) }
        let sequence = trtc_pw_core_sync(core)
        guard sequence >= 0 else { throw .connectionFailed("sync failed: \(String(cString: trtc_spa_strerror(sequence)))") }
        let done = waitLocked(timeout: timeout) {
            coreListener.lastDoneSequence == sequence || coreListener.fatalError != nil
        }
        if let error = coreListener.fatalError { throw .connectionFailed(error) }
        guard done else { throw .timedOut("the PipeWire daemon did not answer within \(timeout)") }
    }

    /// The core's fatal error (daemon gone, protocol error), if one happened.
    public var connectionError: String? {
        withLock { coreListener.fatalError }
    }
}
