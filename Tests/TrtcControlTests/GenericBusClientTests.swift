import Foundation
import Testing
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting

/// The README's promise that any D-Bus client works: busctl (systemd) and gdbus (GLib) drive a real trtcd through a
/// whole entry and exit, with another real member in the room watching.
@Suite("busctl and gdbus drive a real trtcd")
struct GenericBusClientTests {
    static let (name, path, interface) = ("org.trtcd.Trtc1", "/org/trtcd/Trtc1", "org.trtcd.Trtc1.Room")

    static func busctl(_ session: DaemonSession, _ arguments: [String]) async throws -> CommandRun {
        try await CommandRun.run("/usr/bin/busctl", ["--address=\(session.bus.address)"] + arguments)
    }

    static func gdbus(_ session: DaemonSession, _ command: String, _ arguments: [String]) async throws -> CommandRun {
        try await CommandRun.run("/usr/bin/gdbus", [command, "--address", session.bus.address, "--dest", name, "--object-path", path] + arguments)
    }

    @Test("busctl: introspect, EnterRoom, properties, a refusal, ExitRoom; the room sees alice come and go")
    func busctlEnterAndExit() async throws {
        try await withDaemonSession { session in
            try await withMembers(["bob"], in: .numeric(71), on: session.server) { members in
                let bob = members[0]
                let monitor = try await session.monitor(json: true)
                func property(_ property: String) async throws -> String {
                    let run = try await Self.busctl(session, ["get-property", Self.name, Self.path, Self.interface, property])
                    #expect(run.status == 0, "\(run)")
                    return run.stdout
                }

                let introspect = try await Self.busctl(session, ["introspect", Self.name, Self.path])
                #expect(introspect.status == 0, "\(introspect)")
                #expect(introspect.stdout.contains(".EnterRoom") && introspect.stdout.contains(".ExitRoom")
                    && introspect.stdout.contains(".State "), "\(introspect)")

                let sig = UserSig.generate(sdkAppId: RoomServer.sdkAppId, userId: "alice", secretKey: RoomServer.secretKey)
                let enter = try await Self.busctl(session, [
                    "call", Self.name, Self.path, Self.interface, "EnterRoom", "a{sv}", "4",
                    "sdkAppId", "u", String(RoomServer.sdkAppId), "roomId", "u", "71", "userId", "s", "alice", "userSig", "s", sig,
                ])
                #expect(enter.status == 0 && enter.stdout.isEmpty, "\(enter)")
                try await bob.waitFor("alice entering") { if case .userEnter(userId: "alice", role: .anchor) = $0 { true } else { nil } }
                #expect(try await property("State") == "s \"in-room\"\n")
                #expect(try await property("RoomId") == "s \"71\"\n")
                #expect(try await property("UserId") == "s \"alice\"\n")
                #expect(try await property("RemoteUsers") == "as 1 \"bob\"\n")

                // A refusal: busctl prints trtcd's message (the TRTC code first) and exits 1.
                let again = try await Self.busctl(session, [
                    "call", Self.name, Self.path, Self.interface, "EnterRoom", "a{sv}", "4",
                    "sdkAppId", "u", String(RoomServer.sdkAppId), "roomId", "u", "72", "userId", "s", "alice", "userSig", "s", sig,
                ])
                #expect(again.status == 1 && again.stderr.hasPrefix("Call failed: [-3] "), "\(again)")
                #expect(try await property("RoomId") == "s \"71\"\n", "the refused entry changed nothing")

                let exit = try await Self.busctl(session, ["call", Self.name, Self.path, Self.interface, "ExitRoom"])
                #expect(exit.status == 0 && exit.stdout.isEmpty, "\(exit)")
                #expect(try await bob.waitForLeave(of: "alice") == .left)
                #expect(try await property("State") == "s \"idle\"\n")

                _ = try await monitor.waitForLine(containing: "\"ExitRoom\"")
                monitor.signal(SIGINT)
                #expect(try await monitor.waitForExit() == 0)
                let signals = try monitor.output.map(MonitorRecord.init)
                    .filter { !["PropertiesChanged", "Statistics", "NetworkQuality"].contains($0.signal) }
                #expect(signals.map(\.signal) == ["EnterRoom", "RemoteUserEnterRoom", "ExitRoom"], "\(signals)")
                #expect(signals.last?.args == [.integer(0)])
            }
        }
    }

    @Test("gdbus: monitor, introspect, EnterRoom with a string room, Properties.Get, a refusal, ExitRoom")
    func gdbusEnterAndExit() async throws {
        try await withDaemonSession { session in
            try await withMembers(["bob"], in: .string("team a"), on: session.server) { members in
                let bob = members[0]
                let monitor = try ChildProcess(URL(fileURLWithPath: "/usr/bin/gdbus"),
                                               ["monitor", "--address", session.bus.address, "--dest", Self.name, "--object-path", Self.path],
                                               name: "gdbus monitor")
                defer { monitor.signal(SIGKILL) }
                try await monitor.waitForLine(containing: "The name \(Self.name) is owned by")

                let introspect = try await Self.gdbus(session, "introspect", [])
                #expect(introspect.status == 0 && introspect.stdout.contains("EnterRoom(in  a{sv} params);"), "\(introspect)")

                let sig = UserSig.generate(sdkAppId: RoomServer.sdkAppId, userId: "alice", secretKey: RoomServer.secretKey)
                let enter = try await Self.gdbus(session, "call", [
                    "--method", "\(Self.interface).EnterRoom",
                    "{'sdkAppId': <uint32 \(RoomServer.sdkAppId)>, 'strRoomId': <'team a'>, 'userId': <'alice'>, 'userSig': <'\(sig)'>, 'role': <'anchor'>}",
                ])
                #expect(enter.status == 0 && enter.stdout == "()\n", "\(enter)")
                try await bob.waitFor("alice entering") { if case .userEnter(userId: "alice", role: .anchor) = $0 { true } else { nil } }
                let state = try await Self.gdbus(session, "call", ["--method", "org.freedesktop.DBus.Properties.Get", Self.interface, "State"])
                #expect(state.status == 0 && state.stdout == "(<'in-room'>,)\n", "\(state)")
                let room = try await Self.gdbus(session, "call", ["--method", "org.freedesktop.DBus.Properties.Get", Self.interface, "RoomId"])
                #expect(room.stdout == "(<'team a'>,)\n", "\(room)")

                // A refusal: gdbus names the D-Bus error, then trtcd's message with the TRTC code.
                let bad = try await Self.gdbus(session, "call", ["--method", "\(Self.interface).SwitchRole", "presenter"])
                #expect(bad.status == 1 && bad.stderr.contains("GDBus.Error:org.trtcd.Trtc1.Error.InvalidArgument: [-3316] "), "\(bad)")

                let exit = try await Self.gdbus(session, "call", ["--method", "\(Self.interface).ExitRoom"])
                #expect(exit.status == 0 && exit.stdout == "()\n", "\(exit)")
                #expect(try await bob.waitForLeave(of: "alice") == .left)

                // gdbus monitor saw the room's signals in order.
                try await monitor.waitForLine(containing: "\(Self.interface).ExitRoom ")
                let signals = monitor.output.filter { $0.hasPrefix("\(Self.path): \(Self.interface).") }
                    .map { $0.dropFirst("\(Self.path): \(Self.interface).".count) }
                #expect(signals.count == 3, "\(monitor.output)")
                #expect(signals.first?.hasPrefix("EnterRoom (int64 ") == true, "\(signals)")
                #expect(signals.dropFirst().first == "RemoteUserEnterRoom ('bob',)", "\(signals)")
                #expect(signals.last == "ExitRoom (0,)", "\(signals)")
            }
        }
    }
}
