import Testing
@testable import TrtcCore

@Suite struct TC3Tests {
    static let secretId = "AKIDtrtcdTest"
    static let secretKey = "test-secret-key"
    static let timestamp = 1_763_700_000
    static let payload = Array(#"{"SdkAppId":1400000001,"RoomId":1234,"UserIds":["alice"]}"#.utf8)
    static let headers = ["content-type": "application/json", "host": "127.0.0.1:7800", "x-tc-action": "RemoveUser"]

    func verify(_ authorization: String?, headers: [String: String] = Self.headers, payload: [UInt8] = Self.payload,
                method: String = "POST", timestamp: Int = Self.timestamp, now: Int = Self.timestamp,
                service: String = "trtc") -> Result<String, TC3VerificationError> {
        do throws(TC3VerificationError) {
            return .success(try TC3.verify(
                authorization: authorization, method: method, path: "/", query: "", headers: headers, payload: payload,
                timestamp: timestamp, now: now, service: service,
                secretKey: { $0 == Self.secretId ? Self.secretKey : nil }))
        } catch {
            return .failure(error)
        }
    }

    func sign(headers: [String: String] = Self.headers, payload: [UInt8] = Self.payload, timestamp: Int = Self.timestamp,
              secretId: String = Self.secretId, secretKey: String = Self.secretKey, service: String = "trtc") -> String {
        TC3.authorization(secretId: secretId, secretKey: secretKey, service: service, method: "POST", path: "/", query: "",
                          headers: headers, payload: payload, timestamp: timestamp)
    }

    // MARK: known answers from Tencent's SDK

    @Test func signsLikeTheTencentSDK() throws {
        let vectors = try Vectors.tc3()
        #expect(vectors.count >= 4)
        for vector in vectors {
            let ours = TC3.authorization(secretId: vector.secretId, secretKey: vector.secretKey, service: vector.service,
                                         method: vector.method, path: vector.path, query: vector.query,
                                         headers: vector.signedHeaders, payload: Array(vector.payload.utf8), timestamp: vector.timestamp)
            #expect(ours == vector.authorization)
        }
    }

    @Test func verifiesTheTencentSDKsRequests() throws {
        for vector in try Vectors.tc3() {
            for now in [vector.timestamp, vector.timestamp - 300, vector.timestamp + 300] {
                let result = Result { () throws(TC3VerificationError) in
                    try TC3.verify(authorization: vector.headers["authorization"], method: vector.method, path: vector.path,
                                   query: vector.query, headers: vector.headers, payload: Array(vector.payload.utf8),
                                   timestamp: vector.timestamp, now: now, service: vector.service,
                                   secretKey: { $0 == vector.secretId ? vector.secretKey : nil })
                }
                #expect(result == .success(vector.secretId))
            }
            // One changed payload byte breaks it.
            var payload = Array(vector.payload.utf8)
            payload[payload.count / 2] ^= 1
            let tampered = Result { () throws(TC3VerificationError) in
                try TC3.verify(authorization: vector.authorization, method: vector.method, path: vector.path, query: vector.query,
                               headers: vector.headers, payload: payload, timestamp: vector.timestamp, now: vector.timestamp,
                               service: vector.service, secretKey: { _ in vector.secretKey })
            }
            #expect(tampered == .failure(.signatureMismatch))
        }
    }

    @Test func credentialDates() {
        #expect(TC3.credentialDate(timestamp: 0) == "1970-01-01")
        #expect(TC3.credentialDate(timestamp: 86399) == "1970-01-01")
        #expect(TC3.credentialDate(timestamp: 86400) == "1970-01-02")
        #expect(TC3.credentialDate(timestamp: -1) == "1969-12-31")
        #expect(TC3.credentialDate(timestamp: 951_782_400) == "2000-02-29")
        #expect(TC3.credentialDate(timestamp: 1_551_113_065) == "2019-02-25")
        #expect(TC3.credentialDate(timestamp: 1_763_769_599) == "2025-11-21")
        #expect(TC3.credentialDate(timestamp: 1_763_769_600) == "2025-11-22")
        #expect(TC3.credentialDate(timestamp: 4_107_542_400) == "2100-03-01")
        #expect(TC3.credentialDate(timestamp: 253_402_300_799) == "9999-12-31")
    }

    // MARK: our own round trip

    @Test func roundTrip() {
        let authorization = sign()
        #expect(authorization.hasPrefix("TC3-HMAC-SHA256 Credential=AKIDtrtcdTest/2025-11-21/trtc/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature="))
        #expect(verify(authorization) == .success(Self.secretId))
        // Header names in any case and values with spaces sign the same as the canonical form.
        let mixed = sign(headers: ["Content-Type": " application/json ", "HOST": "127.0.0.1:7800", "X-TC-Action": "RemoveUser"])
        #expect(mixed == authorization)
        // Extra unsigned headers do not matter; header-name case on the receiving side does not either.
        var received = Self.headers.mapKeys { $0.uppercased() }
        received["X-TC-Region"] = "ap-guangzhou"
        #expect(verify(authorization, headers: received) == .success(Self.secretId))
    }

    @Test func acceptsValuesSignedAsSent() {
        // A client that signs the header values without lowercasing them (documented form lowercases).
        let headers = ["content-type": "application/json", "host": "Trtc.Example.COM"]
        let canonical = TC3.canonicalRequest(method: "POST", path: "/", query: "", headers: [("content-type", "application/json"), ("host", "Trtc.Example.COM")],
                                             payload: Self.payload)
        let toSign = TC3.stringToSign(timestamp: Self.timestamp, date: "2025-11-21", service: "trtc", canonicalRequest: canonical)
        let signature = TC3.signature(secretKey: Self.secretKey, date: "2025-11-21", service: "trtc", stringToSign: toSign)
        let authorization = "TC3-HMAC-SHA256 Credential=\(Self.secretId)/2025-11-21/trtc/tc3_request, SignedHeaders=content-type;host, Signature=\(signature)"
        #expect(verify(authorization, headers: headers) == .success(Self.secretId))
        #expect(verify(sign(headers: headers), headers: headers) == .success(Self.secretId))
        #expect(verify(authorization, headers: ["content-type": "application/json", "host": "trtc.example.org"]) == .failure(.signatureMismatch))
    }

    // MARK: every error

    @Test func missing() {
        #expect(verify(nil) == .failure(.missingAuthorization))
        #expect(verify("") == .failure(.missingAuthorization))
        #expect(verify("   ") == .failure(.missingAuthorization))
    }

    @Test func malformed() {
        let good = sign()
        let signature = String(good.suffix(64))
        let cases: [(String, String)] = [
            ("Basic dXNlcjpwYXNz", "algorithm \"Basic\" is not TC3-HMAC-SHA256"),
            ("TC3-HMAC-SHA1 Credential=x", "algorithm \"TC3-HMAC-SHA1\" is not TC3-HMAC-SHA256"),
            ("TC3-HMAC-SHA256 garbage", "\"garbage\" is not Name=Value"),
            ("TC3-HMAC-SHA256 SignedHeaders=content-type;host, Signature=\(signature)", "Credential is missing"),
            ("TC3-HMAC-SHA256 Credential=\(Self.secretId)/2025-11-21/trtc/tc3_request, Signature=\(signature)", "SignedHeaders is missing"),
            ("TC3-HMAC-SHA256 Credential=\(Self.secretId)/2025-11-21/trtc/tc3_request, SignedHeaders=content-type;host", "Signature is missing"),
            ("TC3-HMAC-SHA256 Credential=\(Self.secretId)/2025-11-21/trtc/tc3_request, Credential=x, SignedHeaders=content-type;host, Signature=\(signature)",
             "Credential appears twice"),
            ("TC3-HMAC-SHA256 Credential=\(Self.secretId)/2025-11-21/trtc, SignedHeaders=content-type;host, Signature=\(signature)",
             "Credential \"AKIDtrtcdTest/2025-11-21/trtc\" is not <SecretId>/<date>/<service>/tc3_request"),
            ("TC3-HMAC-SHA256 Credential=/2025-11-21/trtc/tc3_request, SignedHeaders=content-type;host, Signature=\(signature)",
             "Credential \"/2025-11-21/trtc/tc3_request\" is not <SecretId>/<date>/<service>/tc3_request"),
            ("TC3-HMAC-SHA256 Credential=\(Self.secretId)/20251121/trtc/tc3_request, SignedHeaders=content-type;host, Signature=\(signature)",
             "Credential date \"20251121\" is not yyyy-mm-dd"),
            ("TC3-HMAC-SHA256 Credential=\(Self.secretId)/2025-11-21/trtc/tc3_request, SignedHeaders=content-type;;host, Signature=\(signature)",
             "SignedHeaders \"content-type;;host\" has an empty name"),
            ("TC3-HMAC-SHA256 Credential=\(Self.secretId)/2025-11-21/trtc/tc3_request, SignedHeaders=content-type;host, Signature=xyz",
             "Signature is not 64 hex digits"),
            ("TC3-HMAC-SHA256 Credential=\(Self.secretId)/2025-11-21/cvm/tc3_request, SignedHeaders=content-type;host, Signature=\(signature)",
             "Credential is for service \"cvm\", not trtc"),
            ("TC3-HMAC-SHA256 Credential=\(Self.secretId)/2025-11-21/trtc/tc3_request, SignedHeaders=content-type, Signature=\(signature)",
             "SignedHeaders must include content-type and host, lacks host"),
            ("TC3-HMAC-SHA256 Credential=\(Self.secretId)/2025-11-21/trtc/tc3_request, SignedHeaders=content-type;host;x-tc-token, Signature=\(signature)",
             "SignedHeaders lists \"x-tc-token\", which the request does not have"),
            ("TC3-HMAC-SHA256 Credential=\(Self.secretId)/2025-11-20/trtc/tc3_request, SignedHeaders=content-type;host, Signature=\(signature)",
             "Credential date 2025-11-20 is not 2025-11-21, the UTC date of X-TC-Timestamp 1763700000"),
        ]
        for (header, message) in cases {
            #expect(verify(header) == .failure(.malformedAuthorization(message)), "\(header)")
        }
    }

    @Test func secretIdNotFound() {
        #expect(verify(sign(secretId: "AKIDunknown")) == .failure(.secretIdNotFound("AKIDunknown")))
    }

    @Test func expired() {
        let authorization = sign()
        #expect(verify(authorization, now: Self.timestamp + 300) == .success(Self.secretId))
        #expect(verify(authorization, now: Self.timestamp - 300) == .success(Self.secretId))
        #expect(verify(authorization, now: Self.timestamp + 301) == .failure(.signatureExpired))
        #expect(verify(authorization, now: Self.timestamp - 301) == .failure(.signatureExpired))
        // Absurd timestamps must not trap.
        #expect(verify(authorization, timestamp: .min, now: .max) == .failure(.signatureExpired))
    }

    @Test func mismatch() {
        let authorization = sign()
        #expect(verify(sign(secretKey: "wrong")) == .failure(.signatureMismatch))
        #expect(verify(authorization, payload: Self.payload + [0x20]) == .failure(.signatureMismatch))
        #expect(verify(authorization, method: "GET") == .failure(.signatureMismatch))
        var otherAction = Self.headers
        otherAction["x-tc-action"] = "DismissRoom"
        #expect(verify(authorization, headers: otherAction) == .failure(.signatureMismatch))
        // Signed for another timestamp of the same day.
        #expect(verify(sign(timestamp: Self.timestamp + 1)) == .failure(.signatureMismatch))
        // A signature made with the right key but for another service.
        let cvm = sign(service: "cvm").replacingOccurrences(of: "/cvm/", with: "/trtc/")
        #expect(verify(cvm) == .failure(.signatureMismatch))
    }
}

extension Dictionary {
    func mapKeys<NewKey: Hashable>(_ transform: (Key) -> NewKey) -> [NewKey: Value] {
        Dictionary<NewKey, Value>(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
