import Foundation

/// A private session dbus-daemon for one test, optionally with a D-Bus activation directory.
final class PrivateBus: Sendable {
    let address: String
    let directory: URL
    private let daemon: RunningProcess

    private init(address: String, directory: URL, daemon: RunningProcess) {
        self.address = address
        self.directory = directory
        self.daemon = daemon
    }

    /// `serviceDirectory`: where the bus looks for activation files; `environment`: what activated services get.
    static func start(serviceDirectory: String? = nil, environment: [String: String] = [:]) async throws -> PrivateBus {
        let directory = try BuiltBinaries.temporaryDirectory("trtcctl-bus")
        let config = """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:path=\(directory.path)/bus</listen>
              <auth>EXTERNAL</auth>
              \(serviceDirectory.map { "<servicedir>\($0)</servicedir>" } ?? "")
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """
        let configURL = directory.appendingPathComponent("bus.conf")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        let daemon = try RunningProcess(
            "/usr/bin/dbus-daemon", ["--config-file=\(configURL.path)", "--nofork", "--nopidfile", "--print-address=1"],
            environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 })
        let address = try await daemon.waitForLine(containing: "unix:")
        return PrivateBus(address: address.trimmingCharacters(in: .whitespaces), directory: directory, daemon: daemon)
    }

    /// A client's environment for this bus.
    var environment: [String: String] { ["DBUS_SESSION_BUS_ADDRESS": address] }

    func stop() async {
        // SIGKILL: a child may inherit blocked SIGTERM from the spawning thread.
        daemon.signal(SIGKILL)
        _ = try? await daemon.waitForExit()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs `body` with a fresh private bus that is stopped afterwards, also when `body` throws.
func withPrivateBus<T>(serviceDirectory: String? = nil, environment: [String: String] = [:],
                       _ body: (PrivateBus) async throws -> T) async throws -> T {
    let bus = try await PrivateBus.start(serviceDirectory: serviceDirectory, environment: environment)
    do {
        let result = try await body(bus)
        await bus.stop()
        return result
    } catch {
        await bus.stop()
        throw error
    }
}
