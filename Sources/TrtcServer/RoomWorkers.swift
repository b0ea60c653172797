#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// The threads that run busy and large rooms' changes (`RoomRegistry`), below the event loops' priority: the event
/// loops serve every connection and run small rooms' changes at once, so a room that keeps a worker busy takes only
/// the CPU the connections leave (with Linux's fair scheduler, a thread niced by `nice` gets ~1/10 of a core against a
/// busy thread of priority 0), and can never slow down the other rooms' connections. Busy rooms take turns (a slice
/// each, `RoomRegistry.sliceBudget`).
final class RoomWorkers: Sendable {
    /// Niceness of the workers, relative to the process.
    static let nice: Int32 = 10

    private let pool: NIOThreadPool

    init(threads: Int = System.coreCount) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    /// Runs `work` on a worker (at once on this thread once the workers are stopped).
    func submit(_ work: @escaping @Sendable () -> Void) {
        pool.submit { state in
            if case .active = state { Self.lowerPriority() }
            work()
        }
    }

    /// Waits for the changes that were handed over and stops the threads.
    func stop() async {
        try? await pool.shutdownGracefully()
    }

    /// Lowers the calling thread's priority (once per thread: a thread's niceness stays).
    private static func lowerPriority() {
        #if os(Linux)
        // On Linux the nice value is per thread, and `who` 0 with PRIO_PROCESS means the calling thread.
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        if getpriority(which, 0) < nice { setpriority(which, 0, nice) }
        #endif
    }
}
