import Foundation
import Testing
import TrtcHarness
@testable import TrtcCore

@Suite struct UserSigTests {
    static let key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    static let issued = 1_763_700_000

    func failure(_ body: () throws(TrtcError) -> Void) -> TrtcError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }

    /// A sig whose document is `json`, compressed and encoded as Tencent does but not necessarily signed correctly.
    func encode(json: String) -> String {
        TencentBase64.encode(Zlib.compress(Array(json.utf8)))
    }

    // MARK: Tencent → us

    @Test func verifiesEveryTencentVector() throws {
        let vectors = try Vectors.userSig()
        #expect(vectors.count >= 9)
        for vector in vectors {
            let error = failure { () throws(TrtcError) in
                try UserSig.verify(vector.sig, sdkAppId: vector.sdkAppId, userId: vector.userId, secretKey: vector.key,
                                   now: vector.time + vector.expire)
            }
            #expect(error == nil, "\(vector.userId): \(String(describing: error))")
            let document = try UserSig.decode(vector.sig)
            #expect(document.identifier == vector.userId && document.time == Int64(vector.time) && document.expire == Int64(vector.expire))
            #expect(document.userBuf == vector.userBuf)
        }
    }

    @Test func generatesTencentsExactBytes() throws {
        var compared = 0
        for vector in try Vectors.userSig() where vector.userBuf == nil {
            let ours = UserSig.generate(sdkAppId: vector.sdkAppId, userId: vector.userId, secretKey: vector.key,
                                        expire: vector.expire, time: vector.time)
            #expect(ours == vector.sig, "\(vector.userId)")
            compared += 1
        }
        #expect(compared >= 7)
    }

    @Test func tencentVectorsFailForOtherInputs() throws {
        for vector in try Vectors.userSig() {
            let now = vector.time
            #expect(failure { () throws(TrtcError) in
                try UserSig.verify(vector.sig, sdkAppId: vector.sdkAppId, userId: vector.userId, secretKey: vector.key + "x", now: now)
            }?.code == -100018)
            #expect(failure { () throws(TrtcError) in
                try UserSig.verify(vector.sig, sdkAppId: vector.sdkAppId &+ 1, userId: vector.userId, secretKey: vector.key, now: now)
            }?.code == -100018)
            #expect(failure { () throws(TrtcError) in
                try UserSig.verify(vector.sig, sdkAppId: vector.sdkAppId, userId: vector.userId + "2", secretKey: vector.key, now: now)
            }?.code == -100018)
            #expect(failure { () throws(TrtcError) in
                try UserSig.verify(vector.sig, sdkAppId: vector.sdkAppId, userId: vector.userId, secretKey: vector.key,
                                   now: vector.time + vector.expire + 1)
            }?.code == -100018)
        }
    }

    // MARK: us → Tencent

    @Test func tencentsCodeAcceptsOurSig() throws {
        let ours = UserSig.generate(sdkAppId: 1_400_000_001, userId: "alice_01", secretKey: Self.key, expire: 3600, time: Self.issued)
        let result = try runTencentVerifier(sig: ours, sdkAppId: 1_400_000_001, key: Self.key, user: "alice_01", now: Self.issued + 10)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "identical\n")
    }

    @Test func tencentsCodeAcceptsOurSigAtTheCurrentTime() throws {
        let ours = UserSig.generate(sdkAppId: 1_400_000_001, userId: "now-user", secretKey: Self.key)
        let result = try runTencentVerifier(sig: ours, sdkAppId: 1_400_000_001, key: Self.key, user: "now-user", now: nil)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func tencentsCodeRejectsTamperedAndForeignSigs() throws {
        let ours = UserSig.generate(sdkAppId: 1_400_000_001, userId: "alice_01", secretKey: Self.key, expire: 3600, time: Self.issued)
        // Validity stretched without re-signing.
        var document = try UserSig.decode(ours)
        document.expire = 86400 * 3650
        let stretched = encode(json: document.tencentJSON)
        let now = Self.issued + 7200
        var result = try runTencentVerifier(sig: stretched, sdkAppId: 1_400_000_001, key: Self.key, user: "alice_01", now: now)
        #expect(result.status == 1 && result.stderr == "invalid: signature mismatch\n", "\(result.stderr)")
        // The untampered one is expired at that time, by Tencent's rule and ours.
        result = try runTencentVerifier(sig: ours, sdkAppId: 1_400_000_001, key: Self.key, user: "alice_01", now: now)
        #expect(result.status == 1 && result.stderr.hasPrefix("invalid: expired at \(Self.issued + 3600), now \(now)"), "\(result.stderr)")
        #expect(failure { () throws(TrtcError) in
            try UserSig.verify(ours, sdkAppId: 1_400_000_001, userId: "alice_01", secretKey: Self.key, now: now)
        }?.code == -100018)
        // Exit status 1 alone would also be a Python error (an ImportError exits 1 too): each refusal names its reason.
        result = try runTencentVerifier(sig: ours, sdkAppId: 1_400_000_001, key: Self.key + "0", user: "alice_01", now: Self.issued)
        #expect(result.status == 1 && result.stderr == "invalid: signature mismatch\n", "\(result.stderr)")
        result = try runTencentVerifier(sig: ours, sdkAppId: 1_400_000_001, key: Self.key, user: "bob", now: Self.issued)
        #expect(result.status == 1 && result.stderr == "invalid: identifier 'alice_01' != 'bob'\n", "\(result.stderr)")
        result = try runTencentVerifier(sig: "garbage!", sdkAppId: 1_400_000_001, key: Self.key, user: "alice_01", now: Self.issued)
        #expect(result.status == 1 && result.stderr.hasPrefix("invalid: base64: "), "\(result.stderr)")
    }

    // MARK: our verify

    @Test func roundTripAndExpiryBoundary() throws {
        let sig = UserSig.generate(sdkAppId: 7, userId: "u", secretKey: "k", expire: 100, time: 1000)
        try UserSig.verify(sig, sdkAppId: 7, userId: "u", secretKey: "k", now: 1000)
        try UserSig.verify(sig, sdkAppId: 7, userId: "u", secretKey: "k", now: 1100)
        let expired = failure { () throws(TrtcError) in try UserSig.verify(sig, sdkAppId: 7, userId: "u", secretKey: "k", now: 1101) }
        #expect(expired == TrtcError(.userSigCheckFailed, "userSig expired at 1100 (issued 1000, valid 100 s); now is 1101"))
        // Default time is now, default validity 180 days.
        let current = UserSig.generate(sdkAppId: 7, userId: "u", secretKey: "k")
        try UserSig.verify(current, sdkAppId: 7, userId: "u", secretKey: "k")
        #expect(try UserSig.decode(current).expire == 15_552_000)
    }

    @Test("security L5: a UserSig issued up to 300 s ahead of the server's clock is accepted (skew), further ahead refused")
    func issuedInTheFuture() throws {
        let sig = UserSig.generate(sdkAppId: 7, userId: "u", secretKey: "k", expire: 100, time: 10_000)
        try UserSig.verify(sig, sdkAppId: 7, userId: "u", secretKey: "k", now: 10_000 - UserSig.maximumClockSkew)
        let early = failure { () throws(TrtcError) in try UserSig.verify(sig, sdkAppId: 7, userId: "u", secretKey: "k", now: 9_699) }
        #expect(early == TrtcError(.userSigCheckFailed, "userSig is issued at 10000, more than 300 s after the server's clock"))
        let far = UserSig.generate(sdkAppId: 7, userId: "u", secretKey: "k", expire: 100, time: Int(Date().timeIntervalSince1970) + 86_400)
        #expect(failure { () throws(TrtcError) in try UserSig.verify(far, sdkAppId: 7, userId: "u", secretKey: "k") }?.code == -100018)
    }

    @Test func reasonsAreNamed() throws {
        let sig = UserSig.generate(sdkAppId: 1_400_000_001, userId: "alice", secretKey: Self.key, time: Self.issued)
        func message(_ sig: String, app: UInt32 = 1_400_000_001, user: String = "alice", key: String = Self.key) -> TrtcError? {
            failure { () throws(TrtcError) in try UserSig.verify(sig, sdkAppId: app, userId: user, secretKey: key, now: Self.issued) }
        }
        #expect(message(sig) == nil)
        #expect(message("") == TrtcError(.invalidUserSig, "userSig is empty"))
        #expect(message(sig, app: 1_400_000_002) == TrtcError(.userSigCheckFailed, "userSig is for sdkAppId 1400000001, not 1400000002"))
        #expect(message(sig, user: "bob") == TrtcError(.userSigCheckFailed, "userSig is for userId \"alice\", not \"bob\""))
        #expect(message(sig, key: "other") == TrtcError(.userSigCheckFailed,
                                                        "userSig signature does not match (made with another secret key, or altered)"))
        #expect(message("not a sig!")?.message == "userSig is not base64 (Tencent's variant with * - _)")
        #expect(message(String(repeating: "A", count: 4097)) == TrtcError(.userSigCheckFailed, "userSig is 4097 bytes, more than 4096"))
        // Valid base64 but not zlib, and a truncated stream.
        #expect(message("AAAAAAAA")?.message.hasPrefix("userSig does not hold a complete zlib stream") == true)
        let truncated = TencentBase64.encode(Array(Zlib.compress(Array(#"{"TLS.ver": "2.0"}"#.utf8)).dropLast(3)))
        #expect(message(truncated)?.message.hasPrefix("userSig does not hold a complete zlib stream") == true)
        // Bytes after the stream.
        let trailing = TencentBase64.encode(Zlib.compress(Array(#"{}"#.utf8)) + [1, 2])
        #expect(message(trailing)?.message == "userSig has 2 stray bytes after its zlib stream")
    }

    @Test func rejectsDecompressionBombs() {
        // 1 MiB of spaces compresses to about 1 KiB: a short sig that would inflate to far more than any document.
        let bomb = encode(json: "{" + String(repeating: " ", count: 1 << 20) + "}")
        #expect(bomb.utf8.count < UserSig.maximumLength)
        let error = failure { () throws(TrtcError) in try UserSig.verify(bomb, sdkAppId: 1, userId: "a", secretKey: "k", now: 0) }
        #expect(error == TrtcError(.userSigCheckFailed, "userSig document inflates to more than 16384 bytes"))
        // Exactly at the limit is fine as far as inflating goes (it then fails as JSON, not as size).
        let atLimit = encode(json: String(repeating: " ", count: UserSig.maximumDocumentSize))
        let atLimitError = failure { () throws(TrtcError) in try UserSig.verify(atLimit, sdkAppId: 1, userId: "a", secretKey: "k", now: 0) }
        #expect(atLimitError?.message.hasPrefix("userSig document is not a TLS document") == true)
    }

    @Test func rejectsBadDocuments() throws {
        let sig = "abc"
        let good = UserSigDocument(identifier: "a", sdkAppId: 1, time: 0, expire: 10, signature: sig).tencentJSON
        let cases: [(json: String, message: String)] = [
            ("[1, 2]", "userSig document is not a TLS document: not a JSON object"),
            ("", "userSig document is not a TLS document: not JSON"),
            (good.replacingOccurrences(of: "\"TLS.time\": 0", with: "\"TLS.time\": 99999999999999999999"),
             "userSig document is not a TLS document: TLS.time has the wrong type"),
            (good.replacingOccurrences(of: "\"TLS.time\": 0", with: "\"TLS.time\": true"),
             "userSig document is not a TLS document: TLS.time has the wrong type"),
            ("not json", "userSig document is not a TLS document: not JSON"),
            (good.replacingOccurrences(of: "\"TLS.time\": 0, ", with: ""), "userSig document is not a TLS document: TLS.time is missing"),
            (good.replacingOccurrences(of: "\"TLS.sdkappid\": 1", with: "\"TLS.sdkappid\": \"1\""),
             "userSig document is not a TLS document: TLS.sdkappid has the wrong type"),
            (good.replacingOccurrences(of: "\"TLS.expire\": 10", with: "\"TLS.expire\": 1.5"),
             "userSig document is not a TLS document: TLS.expire has the wrong type"),
            (good.replacingOccurrences(of: "\"TLS.identifier\": \"a\"", with: "\"TLS.identifier\": null"),
             "userSig document is not a TLS document: TLS.identifier has the wrong type"),
            (good.replacingOccurrences(of: "\"2.0\"", with: "\"1.0\""), "userSig is TLS.ver \"1.0\"; only 2.0 is supported"),
        ]
        for (json, expected) in cases {
            let error = failure { () throws(TrtcError) in
                try UserSig.verify(encode(json: json), sdkAppId: 1, userId: "a", secretKey: "k", now: 0)
            }
            #expect(error?.code == -100018, "\(json)")
            #expect(error?.message.hasPrefix(expected) == true, "\(json): \(String(describing: error?.message))")
        }
        // TLS.sig that is not base64, and an absurd time that must not trap.
        var document = try UserSig.decode(UserSig.generate(sdkAppId: 1, userId: "a", secretKey: "k", time: 0))
        document.signature = "%%%"
        #expect(failure { () throws(TrtcError) in try UserSig.verify(encode(json: document.tencentJSON), sdkAppId: 1, userId: "a", secretKey: "k", now: 0) }?
            .message.contains("signature does not match") == true)
        let extreme = UserSigDocument(identifier: "a", sdkAppId: 1, time: 1, expire: .max, signature: "")
        #expect(extreme.expiresAt == .max)
        #expect(failure { () throws(TrtcError) in try UserSig.verify(encode(json: extreme.tencentJSON), sdkAppId: 1, userId: "a", secretKey: "k", now: 0) }?
            .code == -100018)
    }

    @Test func garbageNeverCrashes() throws {
        // Deterministic generator (SplitMix64) so a failure is reproducible.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-_+/= é\0")
        let valid = Array(UserSig.generate(sdkAppId: 1, userId: "a", secretKey: "k", time: 0))
        var candidates = ["_", "__", "____", "*-_*", "eJ", "eJw_", String(valid.dropLast(4)), String(valid) + "AAAA"]
        for _ in 0..<300 {
            let length = Int(next() % 200)
            candidates.append(String((0..<length).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }))
            var mutated = valid
            mutated[Int(next() % UInt64(mutated.count))] = alphabet[Int(next() % 66)]
            candidates.append(String(mutated))
        }
        // Standard base64 characters are accepted in place of Tencent's (as Tencent's decoder does), so skip equivalents.
        func standard(_ text: String) -> String {
            String(text.map { $0 == "*" ? "+" : $0 == "-" ? "/" : $0 == "_" ? "=" : $0 })
        }
        for candidate in candidates where standard(candidate) != standard(String(valid)) {
            let error = failure { () throws(TrtcError) in try UserSig.verify(candidate, sdkAppId: 1, userId: "a", secretKey: "k", now: 0) }
            if error == nil {
                // Only possible when the change hit bits deflate ignores (padding after the last block): same document.
                #expect(try UserSig.decode(candidate) == UserSig.decode(String(valid)), "\(candidate)")
            } else {
                #expect(error?.code == (candidate.isEmpty ? -3320 : -100018), "\(candidate)")
            }
        }
    }

    @Test func documentJSONMatchesPythonEscaping() {
        #expect(UserSigDocument.pythonJSONString("a\"b\\c\n\t\u{1}é😀\u{7F}/") == #""a\"b\\c\n\t\u0001\u00e9\ud83d\ude00\u007f/""#)
    }

    // MARK: helpers

    /// Runs Vectors/verify_usersig.py, which checks a sig with Tencent's own TLSSigAPIv2 Python code.
    func runTencentVerifier(sig: String, sdkAppId: UInt32, key: String, user: String, now: Int?) throws -> CommandRun {
        try CommandRun.runBlocking(
            "python3",
            [try Vectors.directory.appendingPathComponent("verify_usersig.py").path,
             "--sdk-app-id", String(sdkAppId), "--key", key, "--user", user]
                + (now.map { ["--now", String($0)] } ?? []) + ["--", sig])
    }
}
