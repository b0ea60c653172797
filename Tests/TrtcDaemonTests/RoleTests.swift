import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness
import TrtcHarnessTesting

@Suite("trtcd: roles and scenes through D-Bus with real processes", .serialized)
struct RoleTests {
    @Test("rtc scene: SwitchRole is Refused (-3340); the role is anchor whatever EnterRoom said, and stays so")
    func switchRoleRefusedInRTC() async throws {
        try await withDaemonRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            try await bob.enter("bob", room: .numeric(61), server: room.server)
            try await alice.enter("alice", room: .numeric(61), server: room.server, extra: ["role": .string("audience")])
            #expect(try await alice.property("Role") == .string("anchor"))
            try await bob.waitFor("RemoteUserEnterRoom") { $0 == [.string("alice")] }

            for role in ["audience", "anchor"] {
                let failure = await alice.failure("SwitchRole", [.string(role)])
                #expect(failure?.name == "org.trtcd.Trtc1.Error.Refused", "SwitchRole(\(role)): \(String(describing: failure))")
                #expect(failure?.message.hasPrefix("[-3340] ") == true, "SwitchRole(\(role)): \(String(describing: failure))")
            }
            #expect(try await alice.property("Role") == .string("anchor"))
            #expect(try await alice.property("State") == .string("in-room"))
            // Nothing changed for the others either: alice's exit after the refusals is the only leave bob sees (a
            // switch to audience would have been announced before it, as RemoteUserLeaveRoom(alice, 3)).
            try await alice.exit()
            try await bob.waitFor("RemoteUserLeaveRoom") { $0 == [.string("alice"), .int32(0)] }
            #expect(bob.roomSignals.filter { $0.member == "RemoteUserLeaveRoom" }.map(\.arguments) == [[.string("alice"), .int32(0)]])
        }
    }

    @Test("live scene: Role follows SwitchRole (after the server's ack), with PropertiesChanged; the others see leave(3) and enter")
    func roleProperty() async throws {
        try await withDaemonRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            let live: [String: DBusValue] = ["scene": .string("live")]
            try await bob.enter("bob", room: .numeric(62), server: room.server, extra: live)
            try await alice.enter("alice", room: .numeric(62), server: room.server, extra: live)
            #expect(try await alice.property("Role") == .string("anchor"))
            try await bob.waitFor("RemoteUserEnterRoom") { $0 == [.string("alice")] }

            try await alice.call("SwitchRole", [.string("audience")])
            #expect(try await alice.property("Role") == .string("audience"))
            try await Self.waitForRoleChange(alice, to: "audience")
            try await bob.waitFor("RemoteUserLeaveRoom") { $0 == [.string("alice"), .int32(3)] }
            #expect(try await bob.property("RemoteUsers") == .stringArray([]))

            // Switching to the current role succeeds and does nothing.
            alice.clear()
            try await alice.call("SwitchRole", [.string("audience")])
            #expect(try await alice.property("Role") == .string("audience"))

            try await alice.call("SwitchRole", [.string("anchor")])
            #expect(try await alice.property("Role") == .string("anchor"))
            try await bob.waitFor("RemoteUserEnterRoom") { _ in
                bob.roomSignals.filter { $0 == RoomClient.Signal(member: "RemoteUserEnterRoom", arguments: [.string("alice")]) }.count == 2
            }
            try await Self.waitForRoleChange(alice, to: "anchor")
            // One Role change per real switch: the no-op switch announced nothing.
            #expect(Self.roleChanges(alice) == ["anchor"], "\(alice.signals)")

            let bad = await alice.failure("SwitchRole", [.string("presenter")])
            #expect(bad?.name == "org.trtcd.Trtc1.Error.InvalidArgument" && bad?.message.hasPrefix("[-3316] ") == true, "\(String(describing: bad))")
            #expect(try await alice.property("Role") == .string("anchor"))
        }
    }

    @Test("live scene: an audience member entering is not announced; a later anchor is")
    func audienceNotAnnounced() async throws {
        try await withDaemonRoom(users: 3) { room in
            let (alice, viewer, carol) = (room.clients[0], room.clients[1], room.clients[2])
            let live: [String: DBusValue] = ["scene": .string("live")]
            try await alice.enter("alice", room: .numeric(63), server: room.server, extra: live)
            try await viewer.enter("viewer", room: .numeric(63), server: room.server, extra: live.merging(["role": .string("audience")]) { $1 })
            #expect(try await viewer.property("Role") == .string("audience"))
            // The audience member sees the anchor.
            try await viewer.waitFor("RemoteUserEnterRoom") { $0 == [.string("alice")] }
            // Carol, an anchor, enters after the viewer: the server tells alice in order, so once carol is announced,
            // an announcement of the viewer would have come already.
            try await carol.enter("carol", room: .numeric(63), server: room.server, extra: live)
            try await alice.waitFor("RemoteUserEnterRoom") { $0 == [.string("carol")] }
            let entered = alice.roomSignals.filter { $0.member == "RemoteUserEnterRoom" }
            #expect(entered == [RoomClient.Signal(member: "RemoteUserEnterRoom", arguments: [.string("carol")])], "\(alice.roomSignals)")
            #expect(try await alice.property("RemoteUsers") == .stringArray(["carol"]))
            // Carol entering sees alice only, too.
            try await carol.waitFor("EnterRoom")
            #expect(carol.roomSignals.filter { $0.member == "RemoteUserEnterRoom" }.map(\.arguments) == [[.string("alice")]])

            // The viewer leaving is not announced either: carol leaving after it is the only leave alice sees.
            try await viewer.exit()
            try await carol.exit()
            try await alice.waitFor("RemoteUserLeaveRoom") { $0 == [.string("carol"), .int32(0)] }
            #expect(alice.roomSignals.filter { $0.member == "RemoteUserLeaveRoom" }.count == 1, "\(alice.roomSignals)")
        }
    }

    /// The values of Role in the client's PropertiesChanged signals so far, in order.
    static func roleChanges(_ client: RoomClient) -> [String] {
        client.signals.filter { $0.member == "PropertiesChanged" && $0.arguments.count >= 2 }
            .compactMap { $0.arguments[1].stringKeyedDictionary?["Role"]?.string }
    }

    static func waitForRoleChange(_ client: RoomClient, to role: String) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !roleChanges(client).contains(role) {
            if ContinuousClock.now >= deadline { throw ProcessFailure("no PropertiesChanged Role=\(role); got \(client.signals)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
