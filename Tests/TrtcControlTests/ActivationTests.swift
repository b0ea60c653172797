import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness
import TrtcHarnessTesting

/// The installed D-Bus activation file starts trtcd when trtcctl first calls it (a bus without systemd runs
/// the file's Exec line itself).
@Suite("D-Bus activation of trtcd")
struct ActivationTests {
    /// `trtcctl status --json` as one JSON object.
    static func status(_ trtcctl: String, _ environment: [String: String]) async throws -> [String: JSONValue] {
        let run = try await CommandRun.run(trtcctl, ["status", "--json"], environment: environment)
        guard run.status == 0, case .object(let fields) = try JSONCoding.parse(run.stdout) else {
            throw TestFailure("status --json: \(run)")
        }
        return fields
    }

    @Test("after scripts/install --user, the first call of the installed trtcctl makes the bus start the installed trtcd, which then enters a room")
    func activatedByFirstCall() async throws {
        let root = try BuiltProducts.temporaryDirectory("trtcctl-activation")
        defer { try? FileManager.default.removeItem(at: root) }
        let home = root.appendingPathComponent("home").path
        let runtime = root.appendingPathComponent("runtime").path
        let prefix = root.appendingPathComponent("prefix").path
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        let install = try await CommandRun.run(
            BuiltProducts.repositoryRoot.appendingPathComponent("scripts/install").path,
            ["--user", "--prefix", prefix, "--bin-dir", BuiltProducts.directory.path],
            environment: ["HOME": home, "XDG_RUNTIME_DIR": runtime])
        try #require(install.status == 0, "\(install)")
        // Everything below runs the installed copies: the bus knows only the installed activation file.
        let trtcctl = prefix + "/bin/trtcctl"

        try await withRoomServer { server in
            try await withPrivateBus(serviceDirectory: home + "/.local/share/dbus-1/services",
                                     environment: ["TRTC_SERVER": server.url, "TRTC_CA_FILE": server.process.caFile ?? "",
                                                   "XDG_RUNTIME_DIR": runtime]) { bus in
                let connection = try await BusConnection.connect(address: bus.address)
                #expect(try await connection.nameOwner(of: "org.trtcd.Trtc1") == nil, "trtcd runs before any call")

                // The first call to org.trtcd.Trtc1 is what starts trtcd.
                #expect(try await Self.status(trtcctl, bus.addressEnvironment)["State"] == .string("idle"))
                #expect(try await connection.nameOwner(of: "org.trtcd.Trtc1") != nil, "the first call started no trtcd")
                let enter = try await CommandRun.run(
                    trtcctl, ["enter", "--room", "31", "--user", "erin", "--sdk-app-id", String(RoomServer.sdkAppId),
                              "--secret-key", RoomServer.secretKey], environment: bus.addressEnvironment)
                #expect(enter.status == 0, "\(enter)")
                let status = try await Self.status(trtcctl, bus.addressEnvironment)
                #expect(status["State"] == .string("in-room"), "\(status)")
                #expect(status["RoomId"] == .string("31"), "\(status)")
                #expect(status["UserId"] == .string("erin"), "\(status)")
                // The server agrees: someone entering room 31 finds erin there. (Recorded, not thrown: trtcd is ended below.)
                do {
                    try await withMembers(["frank"], in: .numeric(31), on: server) { members in
                        try await members[0].waitFor("erin among the members") { message in
                            if case .entered(let entered) = message, entered.members.contains(where: { $0.userId == "erin" }) { true } else { nil }
                        }
                    }
                } catch {
                    Issue.record("room 31 as the server sees it: \(error)")
                }

                // It is the installed trtcd, started by the bus, not by anyone else.
                let pid = try await connection.call(
                    destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                    member: "GetConnectionUnixProcessID", arguments: [.string("org.trtcd.Trtc1")]).first?.uint32
                let trtcdPID = try #require(pid.map { pid_t(bitPattern: $0) })
                // Nothing below throws before trtcd is ended.
                let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(trtcdPID)/exe")
                #expect(executable == prefix + "/bin/trtcd")
                // dbus-daemon gives the services it starts DBUS_STARTER_ADDRESS (its own address); nothing else would.
                let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(trtcdPID)/environ"))) ?? Data()
                let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                #expect(variables.contains("DBUS_STARTER_ADDRESS=\(bus.address)"), "trtcd's environment: \(variables)")

                // End it (it is the bus's child, not ours).
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
