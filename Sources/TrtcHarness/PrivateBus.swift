import Foundation

/// A private `dbus-daemon` (session-bus configuration, its own socket in a temporary directory): one test's or
/// one simulated user's session bus, optionally with a D-Bus activation directory.
public final class PrivateBus: Sendable {
    public let address: String
    public let directory: URL
    private let process: ChildProcess

    /// `serviceDirectory`: where the bus looks for activation files. `environment`: when given, the bus runs with
    /// exactly this (plus PATH) and activated services inherit it; otherwise it inherits ours.
    public static func start(serviceDirectory: String? = nil, environment: [String: String]? = nil) async throws -> PrivateBus {
        let directory = try BuiltProducts.temporaryDirectory("trtc-bus")
        let socket = directory.appendingPathComponent("bus")
        let config = directory.appendingPathComponent("session.conf")
        do {
            try """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:path=\(socket.path)</listen>
              <auth>EXTERNAL</auth>
              \(serviceDirectory.map { "<servicedir>\($0)</servicedir>" } ?? "")
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """.write(to: config, atomically: true, encoding: .utf8)
            let process = try ChildProcess("/usr/bin/dbus-daemon",
                                           ["--config-file", config.path, "--nofork", "--nopidfile", "--print-address"],
                                           environment: environment.map { ["PATH": "/usr/bin:/bin"].merging($0) { $1 } },
                                           name: "dbus-daemon")
            // Printed once it listens.
            let address = try await process.waitForLine(containing: "unix:path=")
            return PrivateBus(address: address.trimmingCharacters(in: .whitespaces), directory: directory, process: process)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    private init(address: String, directory: URL, process: ChildProcess) {
        self.address = address
        self.directory = directory
        self.process = process
    }

    public var pid: Int32 { process.pid }

    /// The environment a client or daemon on this bus runs with: ours, with this bus as session bus.
    public var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DBUS_SESSION_BUS_ADDRESS"] = address
        return environment
    }

    /// Only `DBUS_SESSION_BUS_ADDRESS`, for commands run with an exact environment.
    public var addressEnvironment: [String: String] { ["DBUS_SESSION_BUS_ADDRESS": address] }

    public func stop() async {
        // SIGKILL: the bus has no state worth a graceful exit.
        process.signal(SIGKILL)
        _ = try? await process.waitForExit(timeout: .seconds(5))
        try? FileManager.default.removeItem(at: directory)
    }
}
