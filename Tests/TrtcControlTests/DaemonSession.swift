import Foundation
import TrtcHarness

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
}

/// Runs `body` with a private bus, a trtc-server and a trtcd (default server: that trtc-server); stops all three.
/// `daemonEnvironment` adds to (or replaces) trtcd's environment, e.g. a PipeWire session's runtime dir.
func withDaemonSession<T: Sendable>(daemonEnvironment: [String: String] = [:], serverArguments: [String] = [],
                                    _ body: (DaemonSession) async throws -> T) async throws -> T {
    try await withRoomServer(arguments: serverArguments) { server in
        try await withPrivateBus { bus in
            let runtime = try BuiltProducts.temporaryDirectory("trtcctl-runtime")
            defer { try? FileManager.default.removeItem(at: runtime) }
            // Only the bus, PATH and a runtime dir of its own: nothing of the user's session (PipeWire, journal).
            let daemon = try await DaemonProcess.start(
                on: bus, server: server.url, logLevel: "warning",
                environment: ["XDG_RUNTIME_DIR": runtime.path].merging(daemonEnvironment) { $1 }, inheritingEnvironment: false)
            return try await withStopping(daemon, stop: { await $0.stop() }) { daemon in
                try await body(DaemonSession(bus: bus, server: server, daemon: daemon.process, runtimeDirectory: runtime))
            }
        }
    }
}
