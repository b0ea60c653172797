import Foundation
import TrtcDBus

/// A private `dbus-daemon` (session-bus configuration, its own socket in a temporary directory): one simulated
/// user's session bus.
final class BenchBus {
    let address: String
    let directory: URL
    private let process: Process

    private init(address: String, directory: URL, process: Process) {
        self.address = address
        self.directory = directory
        self.process = process
    }

    var pid: Int32 { process.processIdentifier }

    /// The environment of a process on this bus (the benchmark's own, with the bus address).
    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DBUS_SESSION_BUS_ADDRESS"] = address
        return environment
    }

    /// Starts the bus and returns once a client can connect to it.
    static func start(timeout: Duration = .seconds(10)) async throws -> BenchBus {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-bench-bus-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let socket = directory.appendingPathComponent("bus").path
        let config = directory.appendingPathComponent("session.conf")
        try """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>session</type>
          <listen>unix:path=\(socket)</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow send_destination="*" eavesdrop="true"/>
            <allow eavesdrop="true"/>
            <allow own="*"/>
          </policy>
        </busconfig>
        """.write(to: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-daemon")
        process.arguments = ["--config-file", config.path, "--nofork"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let bus = BenchBus(address: "unix:path=\(socket)", directory: directory, process: process)
        // Ready once a client gets through the handshake.
        let deadline = ContinuousClock.now + timeout
        while true {
            if let probe = try? await BusConnection.connect(address: bus.address) {
                await probe.close()
                return bus
            }
            if !process.isRunning || ContinuousClock.now > deadline {
                bus.stop()
                throw BenchFailure("dbus-daemon did not accept connections on \(socket) within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// SIGKILL (dbus-daemon may inherit blocked signals) and removes the directory.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
