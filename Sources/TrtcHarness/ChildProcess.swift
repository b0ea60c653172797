import Foundation
import TrtcCore
#if canImport(Glibc)
import Glibc
#endif

/// A child process of a test or a benchmark: started with a clean signal state, stdout captured line by line and
/// stderr as text, waited for with deadlines, signalled, and killed when released.
public final class ChildProcess: Sendable {
    public let name: String
    public let pid: pid_t
    private let captured: ChildOutput
    private let readerStop: WakePipe

    /// Starts `executable`. `environment` nil: ours; otherwise exactly that, plus our PATH when it names none.
    public convenience init(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                            name: String? = nil) throws {
        try self.init(executable.path, arguments, environment: environment, name: name)
    }

    /// Starts `executable`, a path or a name looked up on our PATH.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil, name: String? = nil) throws {
        self.name = name ?? String(executable.split(separator: "/").last ?? Substring(executable))
        let started = MonotonicClock.now
        readerStop = try WakePipe()
        let outputPipe = try ChildPipe.make(nonBlockingRead: true)
        let errorPipe: (read: Int32, write: Int32)
        do { errorPipe = try ChildPipe.make(nonBlockingRead: true) } catch {
            _ = close(outputPipe.read)
            _ = close(outputPipe.write)
            throw error
        }
        // The child has its own copies of the write ends.
        defer {
            _ = close(outputPipe.write)
            _ = close(errorPipe.write)
        }
        do {
            pid = try ProcessSpawn.spawn(executable, arguments, environment: environment,
                                         standardOutput: outputPipe.write, standardError: errorPipe.write)
        } catch {
            _ = close(outputPipe.read)
            _ = close(errorPipe.read)
            throw error
        }
        captured = ChildOutput()
        ChildReader(pid: pid, outputDescriptor: outputPipe.read, errorDescriptor: errorPipe.read, stop: readerStop,
                    output: captured, started: started).start(name: self.name)
    }

    /// Until it has exited and been collected.
    public var isRunning: Bool { captured.exit == nil }
    /// Complete stdout lines so far.
    public var output: [String] { captured.lines }
    /// All of stdout so far, as printed.
    public var outputText: String { captured.outputText }
    public var errorOutput: String { captured.errorText }
    /// The exit code, or 128 + the signal that ended it; nil while running.
    public var exitStatus: Int32? { captured.exit?.status }
    /// From start to exit; nil while running.
    public var wallTime: Duration? { captured.exit?.wall }
    /// The child's own user and system CPU time; nil while running.
    public var cpuTime: Duration? { captured.exit?.cpu }

    /// Waits for a stdout line containing `text` (also one printed before the call) and returns it.
    @discardableResult
    public func waitForLine(containing text: String, timeout: Duration = .seconds(20)) async throws -> String {
        switch await outcome(of: .line(containing: text), timeout: timeout) {
        case .happened(let line):
            return line
        case .exited(let excerpt):
            throw ProcessFailure("\(name) exited (\(excerpt.status ?? -1)) before printing \(text.debugDescription); \(excerpt)")
        case .pending(let excerpt):
            throw ProcessFailure("\(name) did not print \(text.debugDescription) within \(timeout); \(excerpt)")
        }
    }

    /// Waits until stderr contains `text` (commands that report progress there, e.g. `trtcctl monitor`).
    public func waitForError(containing text: String, timeout: Duration = .seconds(20)) async throws {
        switch await outcome(of: .errorText(containing: text), timeout: timeout) {
        case .happened:
            return
        case .exited(let excerpt):
            throw ProcessFailure("\(name) exited (\(excerpt.status ?? -1)) before printing \(text.debugDescription) to stderr; \(excerpt)")
        case .pending(let excerpt):
            throw ProcessFailure("\(name) did not print \(text.debugDescription) to stderr within \(timeout); \(excerpt)")
        }
    }

    /// Waits for the process to exit (all its output read); returns its status.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(10)) async throws -> Int32 {
        if case .pending = await outcome(of: .exit, timeout: timeout) {
            throw ProcessFailure("\(name) still running after \(timeout)")
        }
        return exitStatus ?? -1
    }

    /// `waitForExit` for callers that are not async: blocks the calling thread.
    @discardableResult
    public func waitForExitBlocking(timeout: Duration = .seconds(10)) throws -> Int32 {
        if case .pending = captured.outcome(of: .exit, blockingFor: timeout) {
            throw ProcessFailure("\(name) still running after \(timeout)")
        }
        return exitStatus ?? -1
    }

    /// Waits for `awaited` until `timeout`; the answer comes from one look at the output under its lock.
    private func outcome(of awaited: ChildOutput.Awaited, timeout: Duration) async -> ChildOutput.Outcome {
        await withTaskGroup(of: ChildOutput.Outcome?.self) { group in
            group.addTask { await self.captured.outcome(of: awaited) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            var outcome: ChildOutput.Outcome?
            while outcome == nil, let next = await group.next() {
                // The sleeper finishing first cancels the waiter, which then answers with what is there now.
                outcome = next
                group.cancelAll()
            }
            return outcome!
        }
    }

    public func signal(_ signal: Int32) {
        captured.whileRunning { _ = kill(pid, signal) }
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`; never leaves the process behind.
    public func stop(grace: Duration = .seconds(5)) async {
        signal(SIGTERM)
        if (try? await waitForExit(timeout: grace)) == nil {
            signal(SIGKILL)
            _ = try? await waitForExit(timeout: .seconds(5))
        }
    }

    deinit {
        signal(SIGKILL)
        readerStop.wake()
    }
}
