import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// A long-running helper process for a test (e.g. a GStreamer pipeline acting as a device),
/// stopped with SIGTERM and reaped by `stop()`.
public final class BackgroundTool: Sendable {
    public let pid: pid_t
    private let executable: String
    private let logPath: String

    /// Starts `tool` (looked up on PATH through /usr/bin/env); stdout and stderr go to a log file.
    public init(_ tool: String, _ arguments: [String], environment: [String: String]) throws {
        executable = tool
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("background-\(UUID().uuidString).log").path
        pid = try ToolRun.spawn("/usr/bin/env", [tool] + arguments, environment: environment, outputPath: logPath, errorPath: logPath + ".err")
    }

    /// What the tool printed so far (stdout, then stderr).
    public var log: String {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "") + ((try? String(contentsOfFile: logPath + ".err", encoding: .utf8)) ?? "")
    }

    /// Terminates the tool and waits for it; returns its status (128 + signal when killed).
    @discardableResult
    public func stop() -> Int32 {
        kill(pid, SIGTERM)
        let status = (try? ToolRun.wait(for: pid, executable: executable)) ?? -1
        unlink(logPath)
        unlink(logPath + ".err")
        return status
    }
}
