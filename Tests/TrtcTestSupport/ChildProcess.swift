import Foundation
import Synchronization

/// A real child process for tests: output captured line by line, signals, bounded waits.
public final class ChildProcess: Sendable {
    public let name: String
    private let process: Process
    private let captured = CapturedOutput()

    public init(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil, name: String? = nil) throws {
        self.name = name ?? executable.lastPathComponent
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let captured = self.captured
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else { handle.readabilityHandler = nil; return }
            let complete: [String] = captured.partial.withLock { buffer in
                buffer += String(decoding: data, as: UTF8.self)
                var parts = buffer.components(separatedBy: "\n")
                buffer = parts.removeLast()
                return parts
            }
            captured.lines.withLock { $0.append(contentsOf: complete) }
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else { handle.readabilityHandler = nil; return }
            captured.stderr.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var output: [String] { captured.lines.withLock { $0 } }
    public var errorOutput: String { captured.stderr.withLock { $0 } }
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// Waits for an output line containing `text`; returns it.
    @discardableResult
    public func waitForLine(containing text: String, timeout: Duration = .seconds(20)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.first(where: { $0.contains(text) }) { return line }
            if !process.isRunning, output.first(where: { $0.contains(text) }) == nil {
                try await Task.sleep(for: .milliseconds(50))
                if let line = output.first(where: { $0.contains(text) }) { return line }
                throw ProcessFailure("\(name) exited (\(process.terminationStatus)) before printing \(text.debugDescription); stderr: \(errorOutput.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw ProcessFailure("\(name) did not print \(text.debugDescription) within \(timeout); stdout: \(output.suffix(20)) stderr: \(errorOutput.suffix(2000))")
    }

    /// Waits until stderr contains `text` (commands that report progress there, e.g. `trtcctl monitor`).
    public func waitForError(containing text: String, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !errorOutput.contains(text) {
            if !process.isRunning {
                try await Task.sleep(for: .milliseconds(50))  // the last output may still be in flight
                if errorOutput.contains(text) { return }
                throw ProcessFailure("\(name) exited (\(process.terminationStatus)) before printing \(text.debugDescription) to stderr; stdout: \(output.suffix(20)) stderr: \(errorOutput.suffix(2000))")
            }
            if ContinuousClock.now >= deadline {
                throw ProcessFailure("\(name) did not print \(text.debugDescription) to stderr within \(timeout); stdout: \(output.suffix(20)) stderr: \(errorOutput.suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    public func signal(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Waits for the process to exit; returns its status.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(10)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { throw ProcessFailure("\(name) still running after \(timeout)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it does not go; never leaves the process behind.
    public func stop() async {
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

public struct ProcessFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// What a child printed, filled in by the pipe handlers.
private final class CapturedOutput: Sendable {
    let lines = Mutex<[String]>([])
    let partial = Mutex<String>("")
    let stderr = Mutex<String>("")
}
