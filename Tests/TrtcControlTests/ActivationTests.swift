import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness

/// The installed D-Bus activation file starts trtcd when trtcctl first calls it (a bus without systemd runs
/// the file's Exec line itself).
@Suite("D-Bus activation of trtcd")
struct ActivationTests {
    @Test("after scripts/install --user, the first trtcctl call starts trtcd, which then enters rooms")
    func activatedByFirstCall() async throws {
        let root = try BuiltProducts.temporaryDirectory("trtcctl-activation")
        defer { try? FileManager.default.removeItem(at: root) }
        let home = root.appendingPathComponent("home").path
        let runtime = root.appendingPathComponent("runtime").path
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        let install = try await CommandRun.run(
            BuiltProducts.repositoryRoot.appendingPathComponent("scripts/install").path,
            ["--user", "--prefix", root.appendingPathComponent("prefix").path, "--bin-dir", BuiltProducts.directory.path],
            environment: ["HOME": home, "XDG_RUNTIME_DIR": runtime])
        #expect(install.status == 0, "\(install)")

        try await withRoomServer { server in
            try await withPrivateBus(serviceDirectory: home + "/.local/share/dbus-1/services",
                                     environment: ["TRTC_SERVER": server.url, "XDG_RUNTIME_DIR": runtime]) { bus in
                let connection = try await BusConnection.connect(address: bus.address)
                #expect(try await connection.nameOwner(of: "org.trtcd.Trtc1") == nil)

                let status = try await CommandRun.trtcctl(["status", "--json"], environment: bus.addressEnvironment)
                #expect(status.status == 0, "\(status)")
                #expect(status.stdout.contains("\"State\":\"idle\""), "\(status)")
                let enter = try await CommandRun.trtcctl(
                    ["enter", "--room", "31", "--user", "erin", "--sdk-app-id", String(RoomServer.sdkAppId),
                     "--secret-key", RoomServer.secretKey], environment: bus.addressEnvironment)
                #expect(enter.status == 0, "\(enter)")

                // The activated trtcd runs from the installed copy; end it (it is the bus's child, not ours).
                let pid = try await connection.call(
                    destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                    member: "GetConnectionUnixProcessID", arguments: [.string("org.trtcd.Trtc1")]).first?.uint32
                let trtcdPID = try #require(pid.map { pid_t(bitPattern: $0) })
                let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(trtcdPID)/exe")
                #expect(executable == root.appendingPathComponent("prefix/bin/trtcd").path)
                kill(trtcdPID, SIGTERM)
                let deadline = ContinuousClock.now + .seconds(5)
                while try await connection.nameOwner(of: "org.trtcd.Trtc1") != nil, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                if try await connection.nameOwner(of: "org.trtcd.Trtc1") != nil {
                    kill(trtcdPID, SIGKILL)
                    Issue.record("the activated trtcd did not end within 5 s of SIGTERM")
                }
                await connection.close()
            }
        }
    }
}
