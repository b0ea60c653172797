import Foundation
import Testing
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting

/// `trtcctl usersig --private-map-key` and `trtcctl enter --private-map-key` (security finding H3).
@Suite("trtcctl privateMapKeys")
struct PrivateMapKeyCommandTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TrtcCoreTests/Vectors/private_map_key.py").standardizedFileURL

    @Test("usersig --private-map-key: Tencent's HMAC routine accepts it and its unpacking reads the room, privileges and expiry",
          arguments: [(["--room", "8888"], 0, "null"), (["--str-room", "team a"], 1, "\"team a\"")])
    func tencentReadsOurKey(room: [String], version: Int, strRoomId: String) async throws {
        let run = try await CommandRun.trtcctl(
            ["usersig", "--private-map-key", "--sdk-app-id", "1400000001", "--secret-key", "s3cr3t", "--user", "alice_1",
             "--privileges", "42", "--expire", "600"] + room)
        #expect(run.status == 0, "\(run)")
        let key = run.stdout.trimmingCharacters(in: .newlines)
        let verified = try await CommandRun.run("python3", [Self.script.path, "verify", "1400000001", "s3cr3t", "alice_1", key])
        #expect(verified.status == 0, "\(verified)")
        let fields = try JSONCoding.parse(verified.stdout)
        #expect(fields["version"] == .integer(Int64(version)) && fields["privileges"] == .integer(42))
        #expect(fields["userId"] == .string("alice_1") && fields["sdkAppId"] == .integer(1_400_000_001))
        #expect(fields["roomId"] == .integer(version == 0 ? 8888 : 0))
        #expect(JSONCoding.print(fields["strRoomId"] ?? .null) == strRoomId)
        guard case .integer(let time) = fields["time"], case .integer(let expiresAt) = fields["expiresAt"] else {
            throw TestFailure("no time or expiry: \(verified.stdout)")
        }
        #expect(fields["expire"] == .integer(600) && expiresAt == time + 600)
        #expect(abs(time - Int64(Date().timeIntervalSince1970)) < 60)
        let wrongKey = try await CommandRun.run("python3", [Self.script.path, "verify", "1400000001", "other", "alice_1", key])
        #expect(wrongKey.status == 1, "\(wrongKey)")
    }

    @Test("usersig: room and privileges only with --private-map-key, which needs a room; privileges 0…255")
    func usage() async throws {
        let base = ["usersig", "--sdk-app-id", "1400000001", "--secret-key", "k", "--user", "alice"]
        for (arguments, message) in [
            (["--room", "1"], "give --private-map-key too"),
            (["--privileges", "2"], "give --private-map-key too"),
            (["--private-map-key"], "no room"),
            (["--private-map-key", "--room", "1", "--privileges", "256"], "--privileges must be a number 0…255"),
            (["--private-map-key", "--room", "0"], "[-3318]"),
        ] {
            let run = try await CommandRun.trtcctl(base + arguments)
            #expect(run.status == 2 && run.stderr.contains(message), "\(arguments): \(run)")
        }
    }

    @Test("enter against an app that requires a key: without one AuthFailed [-100006]; with usersig --private-map-key's it enters")
    func enterWithAKey() async throws {
        try await withDaemonSession(serverArguments: ["--require-private-map-key", String(RoomServer.sdkAppId)]) { session in
            let refused = try await session.trtcctl(["enter", "--room", "77", "--user", "alice"])
            #expect(refused.status == 1, "\(refused)")
            #expect(refused.stderr.contains("org.trtcd.Trtc1.Error.AuthFailed: [-100006] sdkAppId \(RoomServer.sdkAppId) requires a privateMapKey"),
                    "\(refused)")
            let made = try await session.trtcctl(["usersig", "--private-map-key", "--user", "alice", "--room", "77", "--privileges", "3"])
            #expect(made.status == 0, "\(made)")
            let key = made.stdout.trimmingCharacters(in: .newlines)
            let wrongRoom = try await session.trtcctl(["enter", "--room", "78", "--user", "alice", "--private-map-key", key])
            #expect(wrongRoom.status == 1 && wrongRoom.stderr.contains("[-100006] privateMapKey is for roomId 77, not roomId 78"),
                    "\(wrongRoom)")
            let entered = try await session.trtcctl(["enter", "--room", "77", "--user", "alice", "--private-map-key", key])
            #expect(entered.status == 0 && entered.stdout.hasPrefix("entered room 77 as alice in "), "\(entered)")
            let empty = try await session.trtcctl(["enter", "--room", "77", "--user", "alice", "--private-map-key", ""])
            #expect(empty.status == 2 && empty.stderr.contains("[-100006] privateMapKey is empty"), "\(empty)")
        }
    }
}
