import Dispatch
import Synchronization

/// What a child printed and how it ended, and who is waiting for what. Output is appended, and waits are checked
/// and registered, under one lock: a wait sees every line that arrived before or while it registered, and its
/// failure message is taken in the same critical section as its last check.
final class ChildOutput: Sendable {
    enum Awaited: Sendable {
        case line(containing: String)
        case errorText(containing: String)
        case exit
    }

    enum Outcome: Sendable {
        /// What was awaited happened; for a line, the line.
        case happened(String)
        /// The child exited (all its output read) without it.
        case exited(Excerpt)
        /// Not there yet when the wait was given up.
        case pending(Excerpt)
    }

    /// The end of what the child printed, for failure messages.
    struct Excerpt: Sendable, CustomStringConvertible {
        let lastLines: [String]
        let errorTail: String
        let status: Int32?
        var description: String { "stdout: \(lastLines) stderr: \(errorTail)" }
    }

    struct Exit: Sendable {
        /// The exit code, 128 + the signal that ended it, or -1 if someone else collected it.
        let status: Int32
        let wall: Duration
        /// User and system CPU time of the child itself.
        let cpu: Duration
    }

    private struct Waiter {
        let awaited: Awaited
        /// How far earlier checks got, so that long output is not searched again on every chunk.
        var scannedLines = 0
        var scannedErrorBytes = 0
        let deliver: @Sendable (Outcome) -> Void
    }

    private struct State {
        var lines: [String] = []
        var partialLine: [UInt8] = []
        var errorBytes: [UInt8] = []
        var exit: Exit?
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    // MARK: what the reader thread reports

    func appendOutput(_ bytes: ArraySlice<UInt8>) {
        update { state in
            var rest = bytes
            while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
                state.lines.append(String(decoding: state.partialLine + rest[rest.startIndex..<newline], as: UTF8.self))
                state.partialLine = []
                rest = rest[(newline + 1)...]
            }
            state.partialLine += rest
        }
    }

    /// stdout reached its end: an unterminated last line is a line too.
    func finishOutput() {
        update { state in
            guard !state.partialLine.isEmpty else { return }
            state.lines.append(String(decoding: state.partialLine, as: UTF8.self))
            state.partialLine = []
        }
    }

    func appendError(_ bytes: ArraySlice<UInt8>) {
        update { $0.errorBytes += bytes }
    }

    /// Runs `reap` (which collects the exited child) and records its result in one critical section, so that
    /// `whileRunning` never acts on a process id that is already free for reuse.
    func recordExit(_ reap: () -> Exit) {
        update { $0.exit = reap() }
    }

    /// Runs `body` under the lock if the child has not been collected yet (e.g. to signal it).
    func whileRunning(_ body: () -> Void) {
        state.withLock { state in if state.exit == nil { body() } }
    }

    // MARK: what the child printed so far

    var lines: [String] { state.withLock { $0.lines } }
    var errorText: String { state.withLock { String(decoding: $0.errorBytes, as: UTF8.self) } }
    var exit: Exit? { state.withLock { $0.exit } }

    /// Everything on stdout, as printed.
    var outputText: String {
        state.withLock { state in
            let complete = state.lines.isEmpty ? "" : state.lines.joined(separator: "\n") + "\n"
            return complete + String(decoding: state.partialLine, as: UTF8.self)
        }
    }

    // MARK: waiting

    /// Waits until `awaited` happens or the child exits without it. Cancelled, it returns `.pending`.
    func outcome(of awaited: Awaited) async -> Outcome {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                register(id, awaited, isCancelled: { Task.isCancelled }) { continuation.resume(returning: $0) }
            }
        } onCancel: {
            withdraw(id)
        }
    }

    /// Blocks the calling thread until `awaited` happens, the child exits without it, or `timeout` passes.
    func outcome(of awaited: Awaited, blockingFor timeout: Duration) -> Outcome {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        let delivered = DispatchSemaphore(value: 0)
        let result = Mutex<Outcome?>(nil)
        register(id, awaited, isCancelled: { false }) { outcome in
            result.withLock { $0 = outcome }
            delivered.signal()
        }
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
        if delivered.wait(timeout: .now() + .nanoseconds(max(0, nanoseconds))) == .timedOut {
            withdraw(id)
            delivered.wait()  // withdrawn, or delivered in the meantime: either way it has been delivered
        }
        return result.withLock { $0! }
    }

    /// Delivers at once when `awaited` has already happened or the wait is cancelled, else registers the waiter.
    /// Cancellation is read under the lock: a cancellation handler running `withdraw` then finds the waiter.
    private func register(_ id: Int, _ awaited: Awaited, isCancelled: () -> Bool,
                          deliver: @escaping @Sendable (Outcome) -> Void) {
        let immediate: Outcome? = state.withLock { state in
            var waiter = Waiter(awaited: awaited, deliver: deliver)
            if let outcome = Self.check(&waiter, state) { return outcome }
            if isCancelled() { return .pending(Self.excerpt(state)) }
            state.waiters[id] = waiter
            return nil
        }
        if let immediate { deliver(immediate) }
    }

    /// Gives up waiter `id` if it is still waiting, delivering what is there now.
    private func withdraw(_ id: Int) {
        let withdrawn: (Waiter, Outcome)? = state.withLock { state in
            state.waiters.removeValue(forKey: id).map { ($0, .pending(Self.excerpt(state))) }
        }
        if let (waiter, outcome) = withdrawn { waiter.deliver(outcome) }
    }

    /// Changes the state and delivers to every waiter whose wait is over, outside the lock.
    private func update(_ change: (inout State) -> Void) {
        let due: [(Waiter, Outcome)] = state.withLock { state in
            change(&state)
            var due: [(Waiter, Outcome)] = []
            for id in Array(state.waiters.keys) {
                guard var waiter = state.waiters[id] else { continue }
                if let outcome = Self.check(&waiter, state) {
                    state.waiters[id] = nil
                    due.append((waiter, outcome))
                } else {
                    state.waiters[id] = waiter
                }
            }
            return due
        }
        for (waiter, outcome) in due { waiter.deliver(outcome) }
    }

    private static func check(_ waiter: inout Waiter, _ state: State) -> Outcome? {
        switch waiter.awaited {
        case .line(let text):
            if let line = state.lines[waiter.scannedLines...].first(where: { $0.contains(text) }) { return .happened(line) }
            waiter.scannedLines = state.lines.count
        case .errorText(let text):
            let needle = Array(text.utf8)
            let start = max(0, waiter.scannedErrorBytes - needle.count)
            if contains(state.errorBytes[start...], needle) { return .happened(text) }
            waiter.scannedErrorBytes = state.errorBytes.count
        case .exit:
            if state.exit != nil { return .happened("") }
        }
        return state.exit == nil ? nil : .exited(excerpt(state))
    }

    private static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        var index = haystack.startIndex
        while index <= haystack.endIndex - needle.count {
            if haystack[index] == needle[0] && haystack[index..<index + needle.count].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }

    private static func excerpt(_ state: State) -> Excerpt {
        Excerpt(lastLines: Array(state.lines.suffix(20)),
                errorTail: String(String(decoding: state.errorBytes.suffix(4000), as: UTF8.self).suffix(2000)),
                status: state.exit?.status)
    }
}
