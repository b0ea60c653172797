import Testing
@testable import TrtcCore

@Suite struct IdentifiersTests {
    static let strRoomIdPunctuation = Array(" !#$%&()+-:;<=.>?@[]^_{}|~,")
    static let alphanumerics = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    /// Every ASCII character (controls and DEL included) that is not a letter, digit or listed punctuation.
    static func disallowedASCII(besides punctuation: [Character]) -> [Character] {
        (0...127).map { Character(Unicode.Scalar(UInt8($0))) }.filter { !alphanumerics.contains($0) && !punctuation.contains($0) }
    }

    func code(_ body: () throws(TrtcError) -> some Any) -> Int32? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.code
        }
    }

    @Test(arguments: [Int64(1), 1_400_000_001, 4_294_967_295])
    func sdkAppIdAccepted(_ value: Int64) throws {
        #expect(try Identifiers.sdkAppId(value) == UInt32(value))
    }

    @Test(arguments: [Int64(0), -1, 4_294_967_296, .min, .max])
    func sdkAppIdRejected(_ value: Int64) {
        #expect(code { () throws(TrtcError) in try Identifiers.sdkAppId(value) } == -3317)
    }

    @Test(arguments: [Int64(1), 2, 123, 4_294_967_294])
    func roomIdAccepted(_ value: Int64) throws {
        #expect(try Identifiers.roomId(value) == UInt32(value))
    }

    @Test(arguments: [Int64(0), -1, 4_294_967_295, 4_294_967_296, .min, .max])
    func roomIdRejected(_ value: Int64) {
        #expect(code { () throws(TrtcError) in try Identifiers.roomId(value) } == -3318)
    }

    @Test func roomIdMessageNamesFieldAndRange() {
        #expect(throws: TrtcError(.invalidRoomId, "roomId 0 is outside 1…4294967294")) { try Identifiers.roomId(0) }
        #expect(TrtcError(.invalidRoomId, "roomId 0 is outside 1…4294967294").description == "[-3318] roomId 0 is outside 1…4294967294")
    }

    @Test func strRoomIdLengths() throws {
        #expect(try Identifiers.strRoomId("a") == "a")
        #expect(try Identifiers.strRoomId("123") == "123")
        let sixtyFour = String(repeating: "x", count: 64)
        #expect(try Identifiers.strRoomId(sixtyFour) == sixtyFour)
        #expect(code { () throws(TrtcError) in try Identifiers.strRoomId(sixtyFour + "x") } == -3318)
        #expect(code { () throws(TrtcError) in try Identifiers.strRoomId("") } == -3318)
        #expect(code { () throws(TrtcError) in try Identifiers.strRoomId(String(repeating: "y", count: 10_000)) } == -3318)
    }

    @Test func strRoomIdAllowsEveryListedCharacter() throws {
        for character in Self.strRoomIdPunctuation + Self.alphanumerics {
            #expect(try Identifiers.strRoomId("a\(character)b") == "a\(character)b", "\(character)")
            #expect(try Identifiers.strRoomId(String(character)) == String(character), "\(character)")
        }
        let all = String(Self.strRoomIdPunctuation)
        #expect(try Identifiers.strRoomId(all) == all)
    }

    @Test func strRoomIdRejectsEveryOtherASCIICharacter() {
        let disallowed = Self.disallowedASCII(besides: Self.strRoomIdPunctuation)
        #expect(disallowed.contains("\"") && disallowed.contains("'") && disallowed.contains("/") && disallowed.contains("\\")
                && disallowed.contains("*") && disallowed.contains("`") && disallowed.contains("\0") && disallowed.contains("\u{7F}"))
        for character in disallowed {
            #expect(code { () throws(TrtcError) in try Identifiers.strRoomId("room\(character)") } == -3318, "\(character.unicodeScalars.first!.value)")
        }
    }

    @Test(arguments: ["café", "房间", "🎥", "a\u{00A0}b", "ｒｏｏｍ"])
    func strRoomIdRejectsUnicode(_ value: String) {
        #expect(code { () throws(TrtcError) in try Identifiers.strRoomId(value) } == -3318)
    }

    @Test func strRoomIdCountsBytesNotCharacters() {
        // 22 "é" are 44 bytes but still rejected for the character; 33 "é" (66 bytes) for the length first.
        let tooLong = String(repeating: "é", count: 33)
        #expect(throws: TrtcError(.invalidRoomId, "strRoomId is 66 bytes, more than 64")) { try Identifiers.strRoomId(tooLong) }
    }

    @Test func messagesSayWhatIsWrong() {
        #expect(throws: TrtcError(.invalidRoomId,
                                  "strRoomId \"a/b\" has \"/\" (U+002F) at byte 1; allowed are a-z A-Z 0-9, space and !#$%&()+-:;<=.>?@[]^_{}|~,")) {
            try Identifiers.strRoomId("a/b")
        }
        #expect(throws: TrtcError(.invalidUserId, "userId \"ab?c\" has U+000A at byte 2; allowed are a-z A-Z 0-9 _ -")) {
            try Identifiers.userId("ab\nc")
        }
        #expect(throws: TrtcError(.invalidUserId, "userId is empty; it must be 1…32 bytes of a-z A-Z 0-9 _ -")) {
            try Identifiers.userId("")
        }
        #expect(throws: TrtcError(.invalidSdkAppId, "sdkAppId 0 is outside 1…4294967295")) { try Identifiers.sdkAppId(0) }
    }

    @Test func userIdLengths() throws {
        #expect(try Identifiers.userId("a") == "a")
        let thirtyTwo = String(repeating: "u", count: 32)
        #expect(try Identifiers.userId(thirtyTwo) == thirtyTwo)
        #expect(code { () throws(TrtcError) in try Identifiers.userId(thirtyTwo + "u") } == -3319)
        #expect(code { () throws(TrtcError) in try Identifiers.userId("") } == -3319)
    }

    @Test func userIdCharacters() throws {
        for character in Self.alphanumerics + ["_", "-"] {
            #expect(try Identifiers.userId("u\(character)") == "u\(character)")
        }
        for character in Self.disallowedASCII(besides: ["_", "-"]) {
            #expect(code { () throws(TrtcError) in try Identifiers.userId("u\(character)") } == -3319, "\(character.unicodeScalars.first!.value)")
        }
        for value in ["ünïcode", "用户", "a b", "a.b", "a@b", "👤"] {
            #expect(code { () throws(TrtcError) in try Identifiers.userId(value) } == -3319, "\(value)")
        }
    }

    @Test func roomNameChoosesOne() throws {
        #expect(try Identifiers.roomName(roomId: 123, strRoomId: nil) == .numeric(123))
        #expect(try Identifiers.roomName(roomId: nil, strRoomId: "123") == .string("123"))
        #expect(RoomName.numeric(123) != RoomName.string("123"))
        // roomId wins when both are given.
        #expect(try Identifiers.roomName(roomId: 7, strRoomId: "seven") == .numeric(7))
        #expect(try Identifiers.roomName(roomId: 7, strRoomId: "") == .numeric(7))
        // roomId 0 is TRTC's "unset" next to a strRoomId.
        #expect(try Identifiers.roomName(roomId: 0, strRoomId: "seven") == .string("seven"))
        #expect(code { () throws(TrtcError) in try Identifiers.roomName(roomId: 0, strRoomId: nil) } == -3318)
        #expect(code { () throws(TrtcError) in try Identifiers.roomName(roomId: 0, strRoomId: "") } == -3318)
        #expect(code { () throws(TrtcError) in try Identifiers.roomName(roomId: 4_294_967_295, strRoomId: "ok") } == -3318)
        #expect(code { () throws(TrtcError) in try Identifiers.roomName(roomId: nil, strRoomId: "a/b") } == -3318)
        #expect(code { () throws(TrtcError) in try Identifiers.roomName(roomId: nil, strRoomId: nil) } == -3316)
        #expect(code { () throws(TrtcError) in try Identifiers.roomName(roomId: nil, strRoomId: "") } == -3316)
    }

    @Test func roomNameDescription() {
        #expect(RoomName.numeric(4_294_967_294).description == "4294967294")
        #expect(RoomName.string("meeting #1").description == "meeting #1")
    }
}
