import Foundation
import Glibc

/// Runs a program to completion and measures it: wall time and the child's own CPU time (wait4's rusage).
enum ChildRun {
    struct Result: Sendable {
        var status: Int32
        var wall: Duration
        var cpu: Duration
        var output: String
        var errorOutput: String
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-bench-\(UUID().uuidString)").path
        let (outPath, errPath) = (base + ".out", base + ".err")
        defer { unlink(outPath); unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { argv.forEach { free($0) }; envp?.forEach { free($0) } }
        var pid: pid_t = 0
        let started = ContinuousClock.now
        let spawned = envp.map { envp in envp.withUnsafeBufferPointer { posix_spawnp(&pid, executable, &actions, nil, argv, $0.baseAddress) } }
            ?? posix_spawnp(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw BenchFailure("cannot run \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchFailure("wait4 failed for \(executable)") }
        }
        let wall = ContinuousClock.now - started
        func duration(_ time: timeval) -> Duration { .seconds(time.tv_sec) + .microseconds(time.tv_usec) }
        return Result(status: (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f), wall: wall,
                      cpu: duration(usage.ru_utime) + duration(usage.ru_stime),
                      output: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                      errorOutput: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}
