import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL server for cluster tests and benchmarks: a fresh data directory in a temporary directory,
/// a free loopback port, its unix socket in that directory, fsync off. `initdb` and `postgres` refuse to run as
/// root, so as root (CI) both run as `nobody` through `setpriv`, which execs in place: the process we hold is the
/// postmaster itself, so `kill -9`, SIGSTOP and `restart()` reach the real server. Released: killed, directory removed.
public final class PostgresProcess: Sendable {
    public let directory: URL
    public let port: Int
    private let server: Mutex<ChildProcess?>
    private let binDirectory: URL

    /// `postgres://postgres@127.0.0.1:PORT/postgres`: the superuser over TCP (trust authentication on loopback).
    public var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }
    public var pid: Int32? { server.withLock { $0?.pid } }
    public var dataDirectory: URL { directory.appendingPathComponent("data") }

    /// The directory of a Debian PostgreSQL's server programs (`/usr/lib/postgresql/N/bin`, newest first).
    public static func binaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions {
            let bin = root.appendingPathComponent("\(version)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("postgres").path) { return bin }
        }
        throw ProcessFailure("no PostgreSQL server under /usr/lib/postgresql (Debian's postgresql package)")
    }

    /// Initializes a cluster and starts it; returns once it accepts connections.
    public static func start(timeout: Duration = .seconds(60)) async throws -> PostgresProcess {
        let bin = try binaries()
        let directory = try BuiltProducts.temporaryDirectory("trtc-postgres")
        do {
            let data = directory.appendingPathComponent("data")
            if geteuid() == 0 {
                // The unprivileged user must own what it writes: the directory that holds the data and the socket.
                guard chown(directory.path, 65534, 65534) == 0 else { throw ProcessFailure("cannot chown \(directory.path)") }
            }
            try await CommandRun.run(
                Self.asUnprivileged(bin.appendingPathComponent("initdb").path),
                Self.unprivilegedArguments(bin.appendingPathComponent("initdb").path)
                    + ["-D", data.path, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale", "C"],
                timeout: timeout
            ).successful("initdb")
            let port = try Self.freePort()
            let process = PostgresProcess(directory: directory, port: port, binDirectory: bin)
            try await process.launch(timeout: timeout)
            return process
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    private init(directory: URL, port: Int, binDirectory: URL) {
        self.directory = directory
        self.port = port
        self.binDirectory = binDirectory
        self.server = Mutex(nil)
    }

    private func launch(timeout: Duration) async throws {
        let postgres = binDirectory.appendingPathComponent("postgres").path
        let child = try ChildProcess(
            Self.asUnprivileged(postgres),
            Self.unprivilegedArguments(postgres) + [
                "-D", dataDirectory.path, "-k", directory.path, "-p", String(port),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "log_min_messages=warning",
            ],
            name: "postgres")
        server.withLock { $0 = child }
        try await child.waitForError(containing: "ready to accept connections", timeout: timeout)
    }

    /// Stops the server (SIGINT: fast shutdown, or SIGKILL with `immediately`) and starts it again on the same data.
    public func restart(immediately: Bool = false, timeout: Duration = .seconds(60)) async throws {
        await stop(immediately: immediately)
        try await launch(timeout: timeout)
    }

    /// Fast shutdown (SIGINT), or SIGKILL.
    public func stop(immediately: Bool = false) async {
        guard let child = server.withLock({ $0 }) else { return }
        child.signal(immediately ? SIGKILL : SIGINT)
        if (try? await child.waitForExit(timeout: .seconds(10))) == nil {
            child.signal(SIGKILL)
            _ = try? await child.waitForExit(timeout: .seconds(5))
        }
        if immediately {
            // The postmaster's children outlive a SIGKILL of it for a moment; a new postmaster waits for them.
            try? await Task.sleep(for: .milliseconds(300))
        }
        server.withLock { $0 = nil }
    }

    /// Runs SQL through `psql` as the superuser; returns its unaligned, tuples-only output.
    @discardableResult
    public func psql(_ sql: String, timeout: Duration = .seconds(30)) async throws -> String {
        let psql = ["/usr/bin/psql", binDirectory.appendingPathComponent("psql").path]
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "psql"
        let run = try await CommandRun.run(
            psql, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", "postgres",
                   "-d", "postgres", "-c", sql],
            timeout: timeout)
        try run.successful("psql \(sql.prefix(80))")
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A loopback TCP port nobody listens on now (bound, read, closed).
    static func freePort() throws -> Int {
        let listener = try SilentListener()
        defer { listener.close() }
        return listener.port
    }

    private static func asUnprivileged(_ program: String) -> String {
        geteuid() == 0 ? "/usr/bin/setpriv" : program
    }

    private static func unprivilegedArguments(_ program: String) -> [String] {
        geteuid() == 0 ? ["--reuid=65534", "--regid=65534", "--clear-groups", "--", program] : []
    }

    deinit {
        server.withLock { $0?.signal(SIGKILL) }
        // Give the postmaster's children a moment to go before their directory does.
        usleep(200_000)
        try? FileManager.default.removeItem(at: directory)
    }
}
