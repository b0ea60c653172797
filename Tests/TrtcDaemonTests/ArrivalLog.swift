import TrtcHarnessTesting
import Foundation
import Synchronization

/// The output of several child processes (monitors) in one log, in the order they wrote it: all of them write to
/// one pipe, and the kernel keeps the order of their writes (each line or message written at once is atomic, up to
/// PIPE_BUF bytes). Two things a user can watch (say PipeWire's registry and a D-Bus signal) are then ordered by
/// when their monitors printed them, not by when the test got round to reading, nor by polling after the fact.
/// Lines are stamped when read, for messages only.
final class ArrivalLog: @unchecked Sendable {
    struct Line: Sendable, CustomStringConvertible {
        let index: Int
        let time: ContinuousClock.Instant
        let text: String
        var description: String { "\(index): \(text)" }
    }

    private struct State {
        var lines: [Line] = []
        var partial = ""
        var trigger: (match: @Sendable (String) -> Bool, action: @Sendable () -> Void)?
    }

    private let state = Mutex(State())
    private let pipe = Pipe()
    /// Touched only by `start` and `stop`, from the test's task.
    private var processes: [Process] = []
    private var inputs: [Pipe] = []

    init() {
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            self?.append(String(decoding: data, as: UTF8.self))
        }
    }

    /// Starts `arguments` (found on PATH) with `environment`, writing its stdout into the log. Its stdin stays open
    /// (and silent) until `stop()`, for tools that end at end of input.
    func start(_ arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        // A copy of the pipe's writing end per process (Process closes a Pipe's writing end once it has started one).
        process.standardOutput = FileHandle(fileDescriptor: dup(pipe.fileHandleForWriting.fileDescriptor), closeOnDealloc: true)
        process.standardError = FileHandle.nullDevice
        inputs.append(input)
        try process.run()
        processes.append(process)
    }

    /// Runs `action` once, as soon as a line that `match` accepts is read, before the line enters the log (on the
    /// reading thread, so without waiting for the test's task to notice it).
    func onFirstLine(where match: @escaping @Sendable (String) -> Bool, _ action: @escaping @Sendable () -> Void) {
        state.withLock { $0.trigger = (match, action) }
    }

    private func append(_ text: String) {
        state.withLock { state in
            let now = ContinuousClock.now
            var parts = (state.partial + text).components(separatedBy: "\n")
            state.partial = parts.removeLast()
            for part in parts {
                if let trigger = state.trigger, trigger.match(part) {
                    state.trigger = nil
                    trigger.action()
                }
                state.lines.append(Line(index: state.lines.count, time: now, text: part))
            }
        }
    }

    var lines: [Line] { state.withLock { $0.lines } }

    /// Polls until `condition` holds for the log; throws after `timeout` with the log's tail.
    func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: (ArrivalLog) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(self) {
            if ContinuousClock.now >= deadline {
                throw TestFailure("no \(what) within \(timeout); last lines: \(lines.suffix(30).map(\.description))")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Kills the monitors (SIGKILL: the test runner may pass on blocked signals) and reaps them.
    func stop() {
        pipe.fileHandleForReading.readabilityHandler = nil
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        processes.removeAll()
        for input in inputs { try? input.fileHandleForWriting.close() }
        inputs.removeAll()
    }

    deinit { stop() }
}
