import Foundation
import TrtcDBus
import TrtcTestSupport

/// A real trtcd process on a private bus, entering rooms of a real trtc-server.
struct DaemonSession: Sendable {
    let bus: PrivateBus
    let server: RoomServer
    let daemon: ChildProcess
    let runtimeDirectory: URL

    /// trtcctl's environment: this bus, this server, the app and its secret key.
    var environment: [String: String] {
        bus.addressEnvironment.merging([
            "TRTC_SDK_APP_ID": String(RoomServer.sdkAppId), "TRTC_SECRET_KEY": RoomServer.secretKey,
        ]) { $1 }
    }

    func trtcctl(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> CommandRun {
        try await CommandRun.trtcctl(arguments, environment: environment.merging(extra) { $1 })
    }

    /// Starts `trtcctl monitor` and returns once it is subscribed.
    func monitor(json: Bool) async throws -> ChildProcess {
        let monitor = try ChildProcess(BuiltProducts.executable("trtcctl"), ["monitor"] + (json ? ["--json"] : []),
                                         environment: environment)
        try await monitor.waitForError(containing: "trtcd is :")
        return monitor
    }

    /// Waits until `name` has an owner on `address` (or `process` died).
    static func waitForOwner(of name: String, on address: String, process: ChildProcess?,
                             timeout: Duration = .seconds(20)) async throws {
        let connection = try await BusConnection.connect(address: address)
        defer { Task { await connection.close() } }
        let deadline = ContinuousClock.now + timeout
        while try await connection.nameOwner(of: name) == nil {
            if let process, !process.isRunning {
                throw TestFailure("\(process.name) exited before owning \(name): \(process.errorOutput.suffix(2000))")
            }
            if ContinuousClock.now >= deadline { throw TestFailure("nobody owns \(name) after \(timeout)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Runs `body` with a private bus, a trtc-server and a trtcd (default server: that trtc-server); stops all three.
/// `daemonEnvironment` adds to (or replaces) trtcd's environment, e.g. a PipeWire session's runtime dir.
func withDaemonSession<T: Sendable>(daemonEnvironment: [String: String] = [:],
                                    _ body: (DaemonSession) async throws -> T) async throws -> T {
    try await withRoomServer { server in
        try await withPrivateBus { bus in
            let runtime = try BuiltProducts.temporaryDirectory("trtcctl-runtime")
            defer { try? FileManager.default.removeItem(at: runtime) }
            let daemon = try ChildProcess(BuiltProducts.executable("trtcd"), ["--server", server.url, "--log-level", "warning"], environment: [
                "PATH": "/usr/bin:/bin", "DBUS_SESSION_BUS_ADDRESS": bus.address, "XDG_RUNTIME_DIR": runtime.path,
            ].merging(daemonEnvironment) { $1 })
            do {
                try await DaemonSession.waitForOwner(of: "org.trtcd.Trtc1", on: bus.address, process: daemon)
                let result = try await body(DaemonSession(bus: bus, server: server, daemon: daemon, runtimeDirectory: runtime))
                await daemon.stop()
                return result
            } catch {
                await daemon.stop()
                throw error
            }
        }
    }
}
