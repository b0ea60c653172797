import Foundation
import Synchronization

/// A long-running child process (trtc-server, dbus-daemon, trtcd, trtcctl monitor): stdout collected line by line,
/// stderr as text, bounded waits, and always killed when released.
final class RunningProcess: Sendable {
    let name: String
    private let process: Process
    private let captured = CapturedOutput()

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        name = URL(fileURLWithPath: executable).lastPathComponent
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let captured = captured
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            captured.appendOutput(data)
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            captured.appendError(data)
        }
        try process.run()
    }

    var output: [String] { captured.lines }
    var errorOutput: String { captured.errorText }
    var isRunning: Bool { process.isRunning }

    /// Waits until stdout has a line containing `text` and returns it.
    @discardableResult
    func waitForLine(containing text: String, timeout: Duration = .seconds(20)) async throws -> String {
        try await waitFor("a line containing \(text.debugDescription)", timeout: timeout) {
            self.output.first { $0.contains(text) }
        }
    }

    /// Waits until stdout has at least `count` lines and returns them.
    func waitForLines(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [String] {
        try await waitFor("\(count) lines", timeout: timeout) {
            let lines = self.output
            return lines.count >= count ? lines : nil
        }
    }

    /// Waits until stderr contains `text`.
    func waitForError(containing text: String, timeout: Duration = .seconds(20)) async throws {
        _ = try await waitFor("stderr containing \(text.debugDescription)", timeout: timeout) {
            self.errorOutput.contains(text) ? true : nil
        }
    }

    private func waitFor<T>(_ what: String, timeout: Duration, _ probe: () -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = probe() { return found }
            if !process.isRunning {
                try await Task.sleep(for: .milliseconds(50))  // the last output may still be in flight
                if let found = probe() { return found }
                throw TestFailure("\(name) exited (\(process.terminationStatus)) before \(what); stdout: \(output.suffix(20)); stderr: \(errorOutput.suffix(2000))")
            }
            if ContinuousClock.now >= deadline {
                throw TestFailure("\(name): no \(what) within \(timeout); stdout: \(output.suffix(20)); stderr: \(errorOutput.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to end and returns its exit status.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(10)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { throw TestFailure("\(name) still running after \(timeout)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it lingers.
    func stop() async {
        signal(SIGTERM)
        if (try? await waitForExit(timeout: .seconds(5))) == nil {
            signal(SIGKILL)
            _ = try? await waitForExit(timeout: .seconds(5))
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
