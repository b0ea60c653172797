import Logging
import Synchronization
internal import CDBus

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Work handed to a connection's owner thread. It runs there exactly once, with the owner-thread state.
typealias DBusJob = @Sendable (DBusOwnerState) -> Void

/// The owner thread of one libdbus connection.
///
/// Every libdbus call for the connection happens on this thread, inside a poll(2) loop over the
/// connection's watches, its timeouts and an eventfd. Other threads only touch the locked inbox
/// (and write the eventfd to wake the loop). The owner-thread state (`DBusOwnerState`) is created
/// on the thread and never leaves it, so this class itself needs no unchecked sendability.
final class DBusEventLoop: Sendable {
    private struct Inbox {
        var jobs: [DBusJob] = []
        var accepting = true
    }

    private struct Completion {
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let logger: Logger
    /// Written (under the inbox lock) to wake the loop; closed only after the inbox stopped accepting.
    let wakeFD: Int32
    private let inbox = DBusLocked(Inbox())
    private let completion = DBusLocked(Completion())
    private let idCounter = Atomic<UInt64>(0)

    init(logger: Logger) throws {
        let fd = cdbus_eventfd_open()
        guard fd >= 0 else {
            throw DBusError.failed("eventfd failed: errno \(errno)")
        }
        wakeFD = fd
        self.logger = logger
    }

    /// A process-unique id for subscriptions, exports and name watches.
    func makeID() -> UInt64 {
        idCounter.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// Queues a job for the owner thread. Returns false (and drops the job) when the loop has stopped.
    @discardableResult
    func submit(_ job: @escaping DBusJob) -> Bool {
        inbox.withLock { inbox in
            guard inbox.accepting else { return false }
            inbox.jobs.append(job)
            cdbus_eventfd_signal(wakeFD)
            return true
        }
    }

    /// Runs `body` on the owner thread and awaits the result it reports through its completion.
    /// `body` must call the completion exactly once.
    func perform<T: Sendable>(
        _ body: @escaping @Sendable (DBusOwnerState, @escaping (Result<T, DBusError>) -> Void) -> Void
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            let accepted = submit { state in
                body(state) { result in continuation.resume(with: result.mapError { $0 as Error }) }
            }
            if !accepted { continuation.resume(throwing: DBusError.disconnected) }
        }
    }

    /// Asks the loop to close the connection and end the thread; returns at once.
    func requestStop() {
        submit { state in state.stopRequested = true }
    }

    var isFinished: Bool {
        completion.withLock { $0.finished }
    }

    func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = completion.withLock { completion -> Bool in
                if completion.finished { return true }
                completion.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Called by the owner thread when it shuts down: no more jobs; returns the ones still queued.
    func stopAccepting() -> [DBusJob] {
        inbox.withLock { inbox in
            inbox.accepting = false
            let jobs = inbox.jobs
            inbox.jobs = []
            return jobs
        }
    }

    /// Called by the owner thread each iteration.
    func takeJobs() -> [DBusJob] {
        inbox.withLock { inbox in
            let jobs = inbox.jobs
            inbox.jobs = []
            return jobs
        }
    }

    /// Called by the owner thread last of all.
    func markFinished() {
        _ = inbox.withLock { _ in close(wakeFD) }
        let waiters = completion.withLock { completion in
            completion.finished = true
            let waiters = completion.waiters
            completion.waiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
