import Foundation
import Testing
import TrtcHarness
@testable import TrtcCore

/// The privateMapKey: its userbuf codec (no I/O), and byte-compatibility both ways with Tencent's Python library.
@Suite struct PrivateMapKeyTests {
    static let key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    static let issued = 1_763_700_000

    func failure<T>(_ body: () throws(TrtcError) -> T) -> TrtcError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    // MARK: userbuf codec

    @Test("a numeric room's userbuf is laid out as Tencent's genUserBuf, big-endian")
    func numericLayout() throws {
        let buffer = PrivateMapKeyUserBuf(userId: "ab", sdkAppId: 0x5371_4A81, room: .numeric(0x0102_0304),
                                          expiresAt: 0x6900_0000, privileges: [.enterRoom, .receiveAudio, .receiveVideo])
        #expect(buffer.bytes == [0, 0, 2, 0x61, 0x62, 0x53, 0x71, 0x4A, 0x81, 1, 2, 3, 4, 0x69, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 0])
        #expect(try PrivateMapKeyUserBuf(bytes: buffer.bytes) == buffer)
    }

    @Test("a string room's userbuf: version 1, roomId 0, the strRoomId at the end")
    func stringLayout() throws {
        let buffer = PrivateMapKeyUserBuf(userId: "u", sdkAppId: 1, room: .string("r-1"), expiresAt: 2, privileges: .all,
                                          accountType: 7)
        #expect(buffer.bytes == [1, 0, 1, 0x75, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 255, 0, 0, 0, 7, 0, 3, 0x72, 0x2D, 0x31])
        #expect(try PrivateMapKeyUserBuf(bytes: buffer.bytes) == buffer)
    }

    @Test("malformed userbufs are refused with -100006 saying what is wrong")
    func malformed() {
        let good = PrivateMapKeyUserBuf(userId: "alice", sdkAppId: 1_400_000_001, room: .string("abc"), expiresAt: 9,
                                        privileges: .all).bytes
        let cases: [([UInt8], String)] = [
            ([], "ends inside the version"),
            ([2] + good.dropFirst(), "version 2"),
            (Array(good.prefix(10)), "ends inside"),
            (good + [0], "1 stray bytes"),
            (Array(good.dropLast()), "ends inside strRoomId"),
            ([0, 0xFF, 0xFF, 1, 2], "ends inside userId"),
            ([0, 0, 1, 0xFF] + Array(repeating: 0, count: 20), "userId that is not UTF-8"),
            ([1] + good.dropFirst().dropLast(5) + [0, 0], "empty strRoomId"),
        ]
        for (bytes, expected) in cases {
            let error = failure { () throws(TrtcError) in try PrivateMapKeyUserBuf(bytes: bytes) }
            #expect(error?.code == -100006, "\(bytes)")
            #expect(error?.message.contains(expected) == true, "\(String(describing: error)) should say \(expected)")
        }
    }

    @Test func privilegesDescribeThemselves() {
        #expect(Privileges(rawValue: 42).description == "42 (enter, receive audio, receive video)")
        #expect(Privileges.all.description.hasPrefix("255 (create room, enter, send audio"))
        #expect(Privileges().description == "0 (nothing)")
    }

    // MARK: verification

    @Test("verify: a key for this app, user and room returns its privileges; anything else is -100006 with the reason")
    func verification() throws {
        let sdkAppId: UInt32 = 1_400_000_001
        let made = PrivateMapKey.generate(sdkAppId: sdkAppId, userId: "alice", secretKey: Self.key, room: .numeric(8888),
                                          privileges: [.enterRoom, .sendAudio], expire: 600, time: Self.issued)
        let now = Self.issued + 10
        #expect(try PrivateMapKey.verify(made, sdkAppId: sdkAppId, userId: "alice", room: .numeric(8888), secretKey: Self.key,
                                         now: now) == [.enterRoom, .sendAudio])
        let cases: [(String, () throws(TrtcError) -> Privileges)] = [
            ("signature does not match", { () throws(TrtcError) in
                try PrivateMapKey.verify(made, sdkAppId: sdkAppId, userId: "alice", room: .numeric(8888), secretKey: "other", now: now) }),
            ("is for userId", { () throws(TrtcError) in
                try PrivateMapKey.verify(made, sdkAppId: sdkAppId, userId: "bob", room: .numeric(8888), secretKey: Self.key, now: now) }),
            ("is for sdkAppId", { () throws(TrtcError) in
                try PrivateMapKey.verify(made, sdkAppId: sdkAppId + 1, userId: "alice", room: .numeric(8888), secretKey: Self.key, now: now) }),
            ("is for roomId 8888, not roomId 8889", { () throws(TrtcError) in
                try PrivateMapKey.verify(made, sdkAppId: sdkAppId, userId: "alice", room: .numeric(8889), secretKey: Self.key, now: now) }),
            ("not strRoomId \"8888\"", { () throws(TrtcError) in
                try PrivateMapKey.verify(made, sdkAppId: sdkAppId, userId: "alice", room: .string("8888"), secretKey: Self.key, now: now) }),
            ("expired", { () throws(TrtcError) in
                try PrivateMapKey.verify(made, sdkAppId: sdkAppId, userId: "alice", room: .numeric(8888), secretKey: Self.key,
                                         now: Self.issued + 601) }),
            ("no TLS.userbuf", { () throws(TrtcError) in
                try PrivateMapKey.verify(UserSig.generate(sdkAppId: sdkAppId, userId: "alice", secretKey: Self.key),
                                         sdkAppId: sdkAppId, userId: "alice", room: .numeric(8888), secretKey: Self.key) }),
            ("not base64", { () throws(TrtcError) in
                try PrivateMapKey.verify("not a key!", sdkAppId: sdkAppId, userId: "alice", room: .numeric(8888), secretKey: Self.key) }),
        ]
        for (expected, body) in cases {
            let error = failure(body)
            #expect(error?.code == -100006, "\(expected): \(String(describing: error))")
            #expect(error?.message.hasPrefix("privateMapKey") == true && error?.message.contains(expected) == true,
                    "\(String(describing: error)) should say \(expected)")
        }
    }

    @Test("the userbuf's own expiry counts even while the document is valid, and a signed userbuf cannot be changed")
    func userBufIsSignedAndExpires() throws {
        let sdkAppId: UInt32 = 1_400_000_001
        let buffer = PrivateMapKeyUserBuf(userId: "alice", sdkAppId: sdkAppId, room: .numeric(5),
                                          expiresAt: UInt32(Self.issued + 60), privileges: .all)
        let key = UserSig.generate(sdkAppId: sdkAppId, userId: "alice", secretKey: Self.key, expire: 86400,
                                   time: Int64(Self.issued), userBuf: buffer.bytes)
        #expect(try PrivateMapKey.verify(key, sdkAppId: sdkAppId, userId: "alice", room: .numeric(5), secretKey: Self.key,
                                         now: Self.issued + 60) == .all)
        let late = failure { () throws(TrtcError) in
            try PrivateMapKey.verify(key, sdkAppId: sdkAppId, userId: "alice", room: .numeric(5), secretKey: Self.key,
                                     now: Self.issued + 61)
        }
        #expect(late?.message.contains("privateMapKey expired at \(Self.issued + 60)") == true, "\(String(describing: late))")

        // The same document with a userbuf naming another room, signature kept: refused.
        var document = try UserSig.decode(key)
        var other = buffer
        other.room = .numeric(6)
        document.userBuf = Data(other.bytes).base64EncodedString()
        let forged = TencentBase64.encode(Zlib.compress(Array(document.tencentJSON.utf8)))
        let error = failure { () throws(TrtcError) in
            try PrivateMapKey.verify(forged, sdkAppId: sdkAppId, userId: "alice", room: .numeric(6), secretKey: Self.key,
                                     now: Self.issued)
        }
        #expect(error?.message.contains("signature does not match") == true, "\(String(describing: error))")
    }

    // MARK: Tencent's library

    @Test("keys made by Tencent's Python library verify here, and ours are byte-identical to them",
          arguments: [(RoomName.numeric(8888), 42 as UInt32), (.numeric(4_294_967_294), 255), (.string("team a"), 15), (.string("x"), 0)])
    func tencentMadeKeys(room: RoomName, bits: UInt32) throws {
        let roomArguments = switch room {
        case .numeric(let id): ["--room", String(id)]
        case .string(let id): ["--str-room", id]
        }
        let run = try CommandRun.runBlocking(
            "python3", [try Vectors.directory.appendingPathComponent("private_map_key.py").path, "make", "1400000001", Self.key,
                        "user_1"] + roomArguments + ["--privileges", String(bits), "--expire", "3600", "--time", String(Self.issued)])
        #expect(run.status == 0, "\(run)")
        let tencent = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let privileges = try PrivateMapKey.verify(tencent, sdkAppId: 1_400_000_001, userId: "user_1", room: room,
                                                  secretKey: Self.key, now: Self.issued + 3600)
        #expect(privileges.rawValue == bits)
        let decoded = try PrivateMapKey.decode(tencent)
        #expect(decoded.userBuf.expiresAt == UInt32(Self.issued + 3600) && decoded.userBuf.accountType == 0)
        let ours = PrivateMapKey.generate(sdkAppId: 1_400_000_001, userId: "user_1", secretKey: Self.key, room: room,
                                          privileges: Privileges(rawValue: bits), expire: 3600, time: Self.issued)
        #expect(ours == tencent)
    }

    @Test("keys made here pass Tencent's HMAC routine, and its unpacking reads the same fields")
    func oursVerifyWithTencentsCode() throws {
        let made = PrivateMapKey.generate(sdkAppId: 1_400_000_002, userId: "bob-2", secretKey: Self.key, room: .string("r:1"),
                                          privileges: [.createRoom, .enterRoom, .sendVideo], expire: 120)
        let run = try CommandRun.runBlocking(
            "python3", [try Vectors.directory.appendingPathComponent("private_map_key.py").path, "verify", "1400000002",
                        Self.key, "bob-2", made])
        #expect(run.status == 0, "\(run)")
        let fields = try JSONCoding.parse(run.stdout)
        #expect(fields["version"] == .integer(1) && fields["strRoomId"] == .string("r:1") && fields["roomId"] == .integer(0))
        #expect(fields["userId"] == .string("bob-2") && fields["sdkAppId"] == .integer(1_400_000_002))
        #expect(fields["privileges"] == .integer(19) && fields["expire"] == .integer(120))
        if case .integer(let time) = fields["time"], case .integer(let expiresAt) = fields["expiresAt"] {
            #expect(expiresAt == time + 120)
        } else {
            Issue.record("no time/expiresAt in \(run.stdout)")
        }
        let wrongKey = try CommandRun.runBlocking(
            "python3", [try Vectors.directory.appendingPathComponent("private_map_key.py").path, "verify", "1400000002",
                        "another key", "bob-2", made])
        #expect(wrongKey.status == 1 && wrongKey.stderr.contains("signature mismatch"), "\(wrongKey)")
    }
}
