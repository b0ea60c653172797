import Foundation
import Synchronization
import TrtcCore

/// A trtc-server running as its own process on a free loopback port, so that its resident memory and CPU
/// are its own and not the clients'.
final class ServerProcess {
    let process: Process
    let port: Int
    var pid: Int32 { process.processIdentifier }
    var url: String { "ws://127.0.0.1:\(port)" }
    var endpoint: String { "127.0.0.1:\(port)" }

    /// How to launch the server: an executable and the arguments that come before trtc-server's own flags.
    struct Launcher: Sendable {
        var executable: URL
        var leadingArguments: [String]
        var description: String { ([executable.path] + leadingArguments).joined(separator: " ") }
    }

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts the server and waits for its start-up banner to learn the port.
    static func start(_ launcher: Launcher, credentials: BenchCredentials, departureTimeoutSeconds: Double,
                      timeout: Duration = .seconds(20)) async throws -> ServerProcess {
        let process = Process()
        process.executableURL = launcher.executable
        process.arguments = launcher.leadingArguments + [
            "--listen", "127.0.0.1:0", "--media", "127.0.0.1:0",
            "--app", "\(credentials.sdkAppId):\(credentials.secretKey)",
            "--api-credential", "\(credentials.secretId):\(credentials.apiSecretKey)",
            "--departure-timeout", String(departureTimeoutSeconds),
            "--log-level", "warning",
        ]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardInput = FileHandle.nullDevice
        let (lines, lineSink) = AsyncStream.makeStream(of: String.self)
        let buffer = LineBuffer()
        // Keeps draining stdout for the server's whole life so it never blocks on a full pipe.
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                lineSink.finish()
                return
            }
            for line in buffer.append(data) { lineSink.yield(line) }
        }
        try process.run()

        let port = try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask {
                for await line in lines {
                    if let port = Self.signalingPort(inBannerLine: line) { return port }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            lineSink.finish()
            return first
        }
        guard let port else {
            if process.isRunning { process.terminate() }
            throw BenchFailure("the server (\(launcher.description)) printed no signaling address within \(timeout)")
        }
        return ServerProcess(process: process, port: port)
    }

    /// `  signaling   ws://127.0.0.1:PORT/trtc/v1/signal` → PORT.
    static func signalingPort(inBannerLine line: String) -> Int? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("signaling"), let scheme = trimmed.range(of: "ws://"),
              let pathStart = trimmed.range(of: Signaling.path) else { return nil }
        let authority = trimmed[scheme.upperBound..<pathStart.lowerBound]
        guard let colon = authority.lastIndex(of: ":") else { return nil }
        return Int(authority[authority.index(after: colon)...])
    }

    /// The server's resident set size (VmRSS of /proc/PID/status), in bytes.
    func residentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kib = Int(fields[1]) { return kib * 1024 }
        }
        throw BenchFailure("no VmRSS in /proc/\(pid)/status")
    }

    /// User and system CPU time the server has used so far (from /proc/PID/stat), in seconds.
    func cpuSeconds() throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the whole line.
        guard let close = stat.lastIndex(of: ")") else { throw BenchFailure("unreadable /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BenchFailure("unreadable /proc/\(pid)/stat")
        }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) / ticks
    }

    /// SIGTERM (the graceful path), then SIGKILL if it has not exited within `grace`.
    func stop(grace: Duration = .seconds(5)) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { kill(pid, SIGKILL) }
    }
}

/// Splits a byte stream into lines; fed from the pipe's reader callback.
private final class LineBuffer: Sendable {
    private let pending = Mutex(Data())

    func append(_ data: Data) -> [String] {
        pending.withLock { pending in
            pending.append(data)
            var lines: [String] = []
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
            return lines
        }
    }
}
