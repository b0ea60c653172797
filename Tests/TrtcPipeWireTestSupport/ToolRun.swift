import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command to completion and captures its output.
/// Uses posix_spawn + waitpid directly: Foundation's `Process.waitUntilExit` was seen to hang
/// on Linux when the child had started daemons of its own.
public enum ToolRun {
    public struct Result: Sendable {
        public let status: Int32
        public let standardOutput: String
        public let standardError: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Result {
        // Output goes to temporary files: no pipe can fill up, and daemons the command leaves
        // behind cannot hold our read end open.
        let directory = FileManager.default.temporaryDirectory
        let outputPath = directory.appendingPathComponent("toolrun-\(UUID().uuidString).out").path
        let errorPath = directory.appendingPathComponent("toolrun-\(UUID().uuidString).err").path
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }
        let pid = try spawn(executable, arguments, environment: environment, outputPath: outputPath, errorPath: errorPath)
        let status = try wait(for: pid, executable: executable)
        return Result(
            status: status,
            standardOutput: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
    }

    /// Starts a process with stdin from /dev/null and stdout/stderr to the given files.
    static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String], outputPath: String, errorPath: String
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        // Test threads block signals; a child would inherit that mask and ignore SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawnResult = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawnResult == 0 else {
            throw Failure(description: "cannot run \(executable): \(String(cString: strerror(spawnResult)))")
        }
        return pid
    }

    /// Waits for `pid` to exit; its exit status, or 128 + signal number.
    static func wait(for pid: pid_t, executable: String) throws -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Failure(description: "waitpid failed for \(executable)") }
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
