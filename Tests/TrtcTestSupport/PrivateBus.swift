import Foundation

/// A private `dbus-daemon` (session-bus configuration, its own socket) for one test.
public final class PrivateBus: Sendable {
    public let address: String
    public let directory: URL
    private let process: ChildProcess

    public static func start() async throws -> PrivateBus {
        let directory = try BuiltProducts.temporaryDirectory("trtc-bus")
        let socket = directory.appendingPathComponent("bus")
        let config = directory.appendingPathComponent("session.conf")
        try """
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>session</type>
          <listen>unix:path=\(socket.path)</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow send_destination="*" eavesdrop="true"/>
            <allow eavesdrop="true"/>
            <allow own="*"/>
          </policy>
        </busconfig>
        """.write(to: config, atomically: true, encoding: .utf8)
        let process = try ChildProcess(URL(fileURLWithPath: "/usr/bin/dbus-daemon"),
                                       ["--config-file", config.path, "--nofork", "--print-address"], name: "dbus-daemon")
        let address = try await process.waitForLine(containing: "unix:path=")
        return PrivateBus(address: address.trimmingCharacters(in: .whitespaces), directory: directory, process: process)
    }

    init(address: String, directory: URL, process: ChildProcess) {
        self.address = address
        self.directory = directory
        self.process = process
    }

    /// The environment a client or daemon on this bus runs with.
    public var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        return env
    }

    public func stop() async {
        // dbus-daemon may inherit blocked signals from the test runner; SIGKILL always works.
        process.signal(SIGKILL)
        _ = try? await process.waitForExit(timeout: .seconds(5))
        try? FileManager.default.removeItem(at: directory)
    }
}
