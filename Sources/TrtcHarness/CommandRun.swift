import Foundation

/// A command run to completion: its exit status, everything it printed, and what it cost.
public struct CommandRun: Sendable, CustomStringConvertible {
    /// The exit code, or 128 + the signal that ended it.
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public let wall: Duration
    /// The command's own user and system CPU time.
    public let cpu: Duration

    public var description: String { "status \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }

    /// Runs `executable` (a path, or a name looked up on our PATH) to completion; kills it and throws after `timeout`.
    /// `environment` nil: ours; otherwise exactly that, plus our PATH when it names none.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           timeout: Duration = .seconds(60)) async throws -> CommandRun {
        let child = try ChildProcess(executable, arguments, environment: environment)
        do {
            try await child.waitForExit(timeout: timeout)
        } catch {
            child.signal(SIGKILL)
            throw ProcessFailure("\(executable) \(arguments) did not finish within \(timeout)")
        }
        return CommandRun(child)
    }

    /// `run` for callers that are not async: blocks the calling thread.
    public static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                                   timeout: Duration = .seconds(60)) throws -> CommandRun {
        let child = try ChildProcess(executable, arguments, environment: environment)
        do {
            try child.waitForExitBlocking(timeout: timeout)
        } catch {
            child.signal(SIGKILL)
            throw ProcessFailure("\(executable) \(arguments) did not finish within \(timeout)")
        }
        return CommandRun(child)
    }

    private init(_ finished: ChildProcess) {
        status = finished.exitStatus ?? -1
        stdout = finished.outputText
        stderr = finished.errorOutput
        wall = finished.wallTime ?? .zero
        cpu = finished.cpuTime ?? .zero
    }

    /// This run if it exited with 0; otherwise a failure that shows what it printed.
    @discardableResult
    public func successful(_ what: String) throws -> CommandRun {
        guard status == 0 else { throw ProcessFailure("\(what) failed (\(status)): \(stderr.suffix(2000))") }
        return self
    }
}
