import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness

@Suite("trtcd: bad input gets the right D-Bus error; the daemon is unharmed", .serialized)
struct BadInputTests {
    private func expectError(_ client: RoomClient, _ params: [String: DBusValue], _ name: String, code: Int32,
                             sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await client.call("EnterRoom", [.variantDictionary(params)])
            Issue.record("accepted: \(params)", sourceLocation: sourceLocation)
        } catch let error as DBusError {
            #expect(error.name == "org.trtcd.Trtc1.Error.\(name)", "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.hasPrefix("[\(code)] "), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("invalid ids, missing keys, wrong variant types, unknown keys, wrong signatures")
    func badEnterRoom() async throws {
        try await withDaemonRoom(users: 1) { room in
            let client = room.clients[0]
            let server = room.server
            func valid(_ userId: String = "u1") -> [String: DBusValue] {
                ["sdkAppId": .uint32(server.sdkAppId), "userId": .string(userId), "roomId": .uint32(5),
                 "userSig": .string(UserSig.generate(sdkAppId: server.sdkAppId, userId: userId, secretKey: server.secretKey))]
            }
            func with(_ key: String, _ value: DBusValue?) -> [String: DBusValue] {
                var params = valid()
                params[key] = value
                return params
            }
            await expectError(client, with("sdkAppId", nil), "InvalidArgument", code: -3317)
            await expectError(client, with("sdkAppId", .uint32(0)), "InvalidArgument", code: -3317)
            await expectError(client, with("sdkAppId", .string("1400000001")), "InvalidArgument", code: -3317)
            await expectError(client, with("roomId", nil), "InvalidArgument", code: -3316)
            await expectError(client, with("roomId", .uint32(0)), "InvalidArgument", code: -3318)
            await expectError(client, with("roomId", .uint32(4_294_967_295)), "InvalidArgument", code: -3318)
            await expectError(client, with("roomId", .string("5")), "InvalidArgument", code: -3318)
            var strRoom = valid(); strRoom["roomId"] = nil; strRoom["strRoomId"] = .string("no/slashes")
            await expectError(client, strRoom, "InvalidArgument", code: -3318)
            strRoom["strRoomId"] = .string(String(repeating: "x", count: 65))
            await expectError(client, strRoom, "InvalidArgument", code: -3318)
            await expectError(client, with("userId", nil), "InvalidArgument", code: -3319)
            await expectError(client, with("userId", .string("")), "InvalidArgument", code: -3319)
            await expectError(client, with("userId", .string("white space")), "InvalidArgument", code: -3319)
            await expectError(client, with("userId", .string(String(repeating: "u", count: 33))), "InvalidArgument", code: -3319)
            await expectError(client, with("userId", .uint32(7)), "InvalidArgument", code: -3319)
            await expectError(client, with("userSig", nil), "InvalidArgument", code: -3320)
            await expectError(client, with("userSig", .string("")), "InvalidArgument", code: -3320)
            await expectError(client, with("scene", .string("party")), "InvalidArgument", code: -3316)
            await expectError(client, with("role", .boolean(true)), "InvalidArgument", code: -3316)
            await expectError(client, with("bindToCaller", .string("yes")), "InvalidArgument", code: -3316)
            await expectError(client, with("server", .string("http://example")), "InvalidArgument", code: -3316)
            await expectError(client, with("colour", .string("blue")), "InvalidArgument", code: -3316)
            // Checked by the server: a UserSig for another user, a garbage one.
            await expectError(client, with("userSig", .string(UserSig.generate(sdkAppId: server.sdkAppId, userId: "other", secretKey: server.secretKey))),
                              "AuthFailed", code: -100018)
            await expectError(client, with("userSig", .string("garbage")), "AuthFailed", code: -100018)
            try await client.waitFor("EnterRoom") { $0 == [.int64(-100018)] }

            // Wrong D-Bus signatures never reach the room logic.
            for (member, arguments) in [("EnterRoom", [DBusValue.string("x")]), ("EnterRoom", []), ("ExitRoom", [.uint32(1)]),
                                        ("SwitchRole", [.uint32(1)]), ("MuteLocalVideo", [.string("yes")])] {
                do {
                    try await client.call(member, arguments)
                    Issue.record("\(member)\(arguments) accepted")
                } catch let error as DBusError {
                    #expect(error.name == DBusError.invalidArgsName, "\(member): \(error)")
                }
            }
            do {
                try await client.call("Explode")
                Issue.record("unknown method accepted")
            } catch let error as DBusError {
                #expect(error.name == DBusError.unknownMethodName)
            }
            do {
                try await client.call("SwitchRole", ["anchor"])
                Issue.record("SwitchRole outside a room accepted")
            } catch let error as DBusError {
                #expect(error.name == "org.trtcd.Trtc1.Error.NotInRoom")
            }
            do {
                try await client.call("StartLocalVideo", [.variantDictionary(["resolution": .string("720p")])])
                Issue.record("StartLocalVideo accepted an unknown option")
            } catch let error as DBusError {
                #expect(error.name == "org.trtcd.Trtc1.Error.InvalidArgument")
            }
            do {
                try await client.call("StartRemoteVideo", [.string("bob"), .string("main")])
                Issue.record("StartRemoteVideo worked outside a room")
            } catch let error as DBusError {
                #expect(error.name == "org.trtcd.Trtc1.Error.NotInRoom")
            }
            do {
                try await client.call("MuteRemoteAudio", [.string("bob"), .boolean(true)])
                Issue.record("MuteRemoteAudio worked outside a room")
            } catch let error as DBusError {
                #expect(error.name == "org.trtcd.Trtc1.Error.NotInRoom")
            }

            // The daemon is unharmed: a valid entry works and nothing leaked into the state.
            #expect(try await client.property("State") == .string("idle"))
            try await client.call("EnterRoom", [.variantDictionary(valid())])
            #expect(try await client.property("State") == .string("in-room"))
            #expect(room.daemons[0].process.isRunning)
        }
    }

    @Test("Introspect matches dbus/org.trtcd.Trtc1.Room.xml; busctl sees the API")
    func introspection() async throws {
        try await withDaemonRoom(users: 1) { room in
            let reply = try await room.clients[0].call("Introspect", interface: "org.freedesktop.DBus.Introspectable")
            let xml = try String(contentsOf: BuiltProducts.repositoryRoot.appendingPathComponent("dbus/org.trtcd.Trtc1.Room.xml"), encoding: .utf8)
            let expected = try DBusInterface.parse(introspectionXML: xml)
            let actual = try DBusInterface.parse(introspectionXML: reply.first?.string ?? "")
            let room1 = actual.first { $0.name == "org.trtcd.Trtc1.Room" }
            #expect(room1.map { "\($0)" } == expected.first.map { "\($0)" })
            #expect(reply.first?.string?.trimmingCharacters(in: .whitespacesAndNewlines) == xml.trimmingCharacters(in: .whitespacesAndNewlines))

            let busctl = try ChildProcess(URL(fileURLWithPath: "/usr/bin/busctl"),
                                          ["--address=\(room.buses[0].address)", "introspect", "org.trtcd.Trtc1", "/org/trtcd/Trtc1"])
            #expect(try await busctl.waitForExit() == 0)
            try await Task.sleep(for: .milliseconds(50))
            let text = busctl.output.joined(separator: "\n")
            for member in [".EnterRoom", ".ExitRoom", ".StartRemoteVideo", ".RemoteUserLeaveRoom", ".State", ".RemoteUsers"] {
                #expect(text.contains(member), "busctl lacks \(member)")
            }
        }
    }

    @Test("a second trtcd on the same bus exits non-zero with a clear message")
    func nameTaken() async throws {
        try await withDaemonRoom(users: 1) { room in
            let second = try ChildProcess(BuiltProducts.executable("trtcd"), ["--server", room.server.url],
                                          environment: room.buses[0].environment)
            let status = try await second.waitForExit()
            #expect(status != 0)
            try await Task.sleep(for: .milliseconds(50))
            #expect(second.errorOutput.contains("org.trtcd.Trtc1"))
            #expect(second.errorOutput.contains("already owned"))
            #expect(room.daemons[0].process.isRunning)
        }
    }
}
