import Foundation
import Testing
@testable import TrtcCore

@Suite("JSON parser")
struct JSONParserTests {
    @Test("values of every kind, with whitespace, escapes and nesting")
    func validDocuments() throws {
        let value = try JSONCoding.parse(
            " {\"a\" : [1, -2, 0, 3.5, -1e3, 2E+2, true, false, null, \"x\"], \"b\":{\"c\":{}}, \"d\":[], \"e\":\"\" }\r\n")
        #expect(value == .object([
            "a": .array([.integer(1), .integer(-2), .integer(0), .number(3.5), .number(-1000), .number(200), .bool(true),
                         .bool(false), .null, .string("x")]),
            "b": .object(["c": .object([:])]), "d": .array([]), "e": .string(""),
        ]))
        #expect(try JSONCoding.parse(#""q\"b\\s\/n\nt\tr\rb\bf\f""#) == .string("q\"b\\s/n\nt\tr\rb\u{8}f\u{c}"))
        #expect(try JSONCoding.parse(#""\u00e9\u4e2d\ud83d\ude00 é中😀""#) == .string("é中😀 é中😀"))
        #expect(try JSONCoding.parse("9223372036854775807") == .integer(.max))
        #expect(try JSONCoding.parse("-9223372036854775808") == .integer(.min))
        #expect(try JSONCoding.parse("9223372036854775808") == .number(9_223_372_036_854_775_808))
        #expect(try JSONCoding.parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) != .null)
    }

    @Test("malformed documents are errors, never crashes", arguments: [
        "", " ", "{", "}", "[", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":1}}", "[1] [2]", "01", "-", "1.", ".5",
        "1e", "+1", "tru", "nul", "True", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
        "\"a\u{1}b\"", "\"tab\there\"", "1e999", "NaN", "[1 2]", "{\"a\":}", "/* c */ 1", "'a'",
        String(repeating: "[", count: 65) + String(repeating: "]", count: 65), String(repeating: "[", count: 5000),
    ])
    func malformed(_ text: String) {
        #expect(throws: JSONCoding.ParseError.self) { try JSONCoding.parse(text) }
    }

    @Test("a key repeated in one object is an error, also nested and with another value; equal keys in sibling objects are not")
    func duplicateKeys() throws {
        for text in [#"{"type":"heartbeat","type":"leave"}"#, #"{"a":1,"b":2,"a":1}"#, #"{"o":{"k":true,"k":false}}"#,
                     #"[{"x":1},{"y":{"z":1,"z":2}}]"#] {
            #expect(throws: JSONCoding.ParseError.self, "\(text)") { try JSONCoding.parse(text) }
        }
        let error = #expect(throws: JSONCoding.ParseError.self) { try JSONCoding.parse(#"{"seq":1,"seq":2}"#) }
        #expect(error?.description.contains(#"duplicate key "seq""#) == true, "\(String(describing: error))")
        #expect(try JSONCoding.parse(#"[{"k":1},{"k":2}]"#) == .array([.object(["k": .integer(1)]), .object(["k": .integer(2)])]))
    }

    @Test("invalid UTF-8 in a string is an error")
    func invalidUTF8() {
        #expect(throws: JSONCoding.ParseError.self) { try JSONCoding.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONCoding.ParseError.self) { try JSONCoding.parse([0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
    }

    @Test("agrees with Foundation's JSONDecoder on every message the protocol sends")
    func agreesWithFoundation() throws {
        let members = [MemberInfo(userId: "alice", role: .anchor, video: true, audio: false)]
        let messages: [String] = [
            ServerMessage.hello(protocolVersion: 1, server: "trtc-server/0.1.0").text,
            ServerMessage.entered(.init(seq: 7, userId: "bob", room: .string("r-1"), members: members,
                                        media: MediaGrant(host: "127.0.0.1", port: 4000, ufrag: "u+/1", password: "pw", fingerprint: "sha-256 00:FF",
                                                          audioSsrc: 1, videoSsrc: 4_294_967_295),
                                        heartbeatMs: 1250, departureTimeoutMs: 5000)).text,
            ServerMessage.exit(reason: .roomDismissed, message: "dismissed \"quoted\" \\ é 😀\n").text,
            ClientMessage.enter(EnterRequest(seq: 1, sdkAppId: 1_400_000_001, userId: "u", userSig: "eJw*-_", room: .numeric(123),
                                             media: MediaOffer(ufrag: "abcd", fingerprint: "sha-256 AB:CD"))).text,
            ClientMessage.heartbeat.text,
        ]
        for text in messages {
            let ours = try JSONCoding.parse(text)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            #expect(ours == foundation, "\(text)")
        }
    }

    @Test("random bytes and random truncations never crash")
    func randomInput() {
        var generator = SystemRandomNumberGenerator()
        let sample = Array(ServerMessage.exit(reason: .removedByServer, message: "é 😀 \"x\"").text.utf8)
        for _ in 0..<2000 {
            let length = Int.random(in: 0...64, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? JSONCoding.parse(bytes)
            _ = try? JSONCoding.parse(Array(sample.prefix(Int.random(in: 0...sample.count, using: &generator))))
        }
    }
}
