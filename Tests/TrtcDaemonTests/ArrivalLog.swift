import Foundation
import Synchronization

/// Lines of several child processes (monitors) in one log, in the order the test process read them: each line is
/// stamped on arrival, under one lock, with one monotonic clock. Two things a user can watch (say PipeWire's
/// registry and a D-Bus signal) are then ordered by the same reader instead of by polling after the fact.
final class ArrivalLog: @unchecked Sendable {
    struct Line: Sendable, CustomStringConvertible {
        let index: Int
        let time: ContinuousClock.Instant
        let source: String
        let text: String
        var description: String { "\(index) \(source): \(text)" }
    }

    private struct State {
        var lines: [Line] = []
        var partial: [String: String] = [:]
    }

    private let state = Mutex(State())
    /// Touched only by `follow` and `stop`, from the test's task.
    private var processes: [Process] = []
    private var inputs: [Pipe] = []

    /// Starts `arguments` (found on PATH) with `environment`; its stdout lines go into the log as `source`. Its stdin
    /// stays open (and silent) until `stop()`, for tools that end at end of input.
    func follow(_ source: String, _ arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        inputs.append(input)
        process.standardError = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            self?.append(String(decoding: data, as: UTF8.self), from: source)
        }
        try process.run()
        processes.append(process)
    }

    private func append(_ text: String, from source: String) {
        state.withLock { state in
            let now = ContinuousClock.now
            var parts = (state.partial[source, default: ""] + text).components(separatedBy: "\n")
            state.partial[source] = parts.removeLast()
            for part in parts {
                state.lines.append(Line(index: state.lines.count, time: now, source: source, text: part))
            }
        }
    }

    var lines: [Line] { state.withLock { $0.lines } }

    func lines(of source: String) -> [Line] { lines.filter { $0.source == source } }

    /// Polls until `condition` holds for the log; throws after `timeout` with the log's tail.
    func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: (ArrivalLog) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition(self) {
            if ContinuousClock.now >= deadline {
                throw MediaTestFailure("no \(what) within \(timeout); last lines: \(lines.suffix(30).map(\.description))")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Kills the monitors (SIGKILL: the test runner may pass on blocked signals) and reaps them.
    func stop() {
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
