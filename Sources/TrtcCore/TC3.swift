import Crypto

/// Tencent Cloud API 3.0 request signing, TC3-HMAC-SHA256: the client side (trtcctl, tests, benchmark) and the
/// server side (the server API checks requests the way Tencent Cloud does, so the official SDKs and tccli work unchanged).
///
/// CanonicalRequest = method \n path \n query \n CanonicalHeaders \n SignedHeaders \n hex(SHA256(payload)), where
/// CanonicalHeaders is `name:value\n` per signed header (name lowercased, value trimmed and lowercased as Tencent's
/// documentation does; the SDKs send lowercase values for content-type and host, so both agree).
/// StringToSign = TC3-HMAC-SHA256 \n timestamp \n <date>/<service>/tc3_request \n hex(SHA256(CanonicalRequest)).
/// Key = HMAC chain "TC3"+secretKey → date → service → "tc3_request"; Signature = hex(HMAC(key, StringToSign)).
public enum TC3 {
    public static let algorithm = "TC3-HMAC-SHA256"
    /// Largest accepted |now − X-TC-Timestamp|, as Tencent Cloud (`AuthFailure.SignatureExpire` beyond it).
    public static let maximumClockSkew = 300
    /// Headers every request must sign (Tencent's rule).
    public static let requiredSignedHeaders = ["content-type", "host"]

    /// Authorization header value for a request. `headers` are the headers that will be signed (name → value, any case),
    /// normally content-type and host (and x-tc-action as newer SDKs do). Credential scope: <UTC date of timestamp>/<service>/tc3_request.
    public static func authorization(secretId: String, secretKey: String, service: String, method: String, path: String,
                                     query: String, headers: [String: String], payload: [UInt8], timestamp: Int) -> String {
        let date = credentialDate(timestamp: timestamp)
        // Sorted by name as the documentation asks; a name given twice in different case keeps one (the lowest value).
        let lowercased: [(name: String, value: String)] = headers.map { header in
            (header.key.lowercased(), header.value.trimmingASCIIWhitespace().lowercased())
        }
        var canonicalHeaders: [(name: String, value: String)] = []
        for header in lowercased.sorted(by: { $0.name == $1.name ? $0.value < $1.value : $0.name < $1.name })
        where canonicalHeaders.last?.name != header.name {
            canonicalHeaders.append(header)
        }
        let toSign = stringToSign(
            timestamp: timestamp, date: date, service: service,
            canonicalRequest: canonicalRequest(method: method, path: path, query: query, headers: canonicalHeaders, payload: payload))
        return TC3Authorization(secretId: secretId, date: date, service: service, signedHeaders: canonicalHeaders.map(\.name),
                                signature: signature(secretKey: secretKey, date: date, service: service, stringToSign: toSign))
            .headerValue
    }

    /// Verifies a request the way Tencent Cloud does: parses the header, looks the secret key up, checks |now - timestamp| ≤ 300
    /// (signatureExpired), recomputes the signature over the SignedHeaders it lists. Returns the SecretId.
    /// `headers`: header name (any case; normally lowercased) → value as received. `timestamp`: X-TC-Timestamp.
    public static func verify(authorization: String?, method: String, path: String, query: String, headers: [String: String],
                              payload: [UInt8], timestamp: Int, now: Int, service: String,
                              secretKey: (String) -> String?) throws(TC3VerificationError) -> String {
        guard let authorization, !authorization.trimmingASCIIWhitespace().isEmpty else {
            throw .missingAuthorization
        }
        let parsed = try TC3Authorization(parsing: authorization)
        guard parsed.service == service else {
            throw .malformedAuthorization("Credential is for service \(TC3Authorization.shown(parsed.service)), not \(service)")
        }
        for required in requiredSignedHeaders where !parsed.signedHeaders.contains(required) {
            throw .malformedAuthorization("SignedHeaders must include \(requiredSignedHeaders.joined(separator: " and ")), lacks \(required)")
        }
        let received = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        var signedValues: [(name: String, value: String)] = []
        for name in parsed.signedHeaders {
            guard let value = received[name] else {
                throw .malformedAuthorization("SignedHeaders lists \(TC3Authorization.shown(name)), which the request does not have")
            }
            signedValues.append((name, value.trimmingASCIIWhitespace()))
        }
        guard let key = secretKey(parsed.secretId) else {
            throw .secretIdNotFound(parsed.secretId)
        }
        let (skew, overflow) = now.subtractingReportingOverflow(timestamp)
        guard !overflow, skew.magnitude <= UInt(maximumClockSkew) else {
            throw .signatureExpired
        }
        let expectedDate = credentialDate(timestamp: timestamp)
        guard parsed.date == expectedDate else {
            throw .malformedAuthorization("Credential date \(parsed.date) is not \(expectedDate), the UTC date of X-TC-Timestamp \(timestamp)")
        }

        let claimed = hexBytes(parsed.signature)
        let signingKey = signingKey(secretKey: key, date: parsed.date, service: parsed.service)
        // The documented form lowercases header values; some clients sign them as sent. Either proves the secret key.
        let lowercasedValues = signedValues.map { ($0.name, $0.value.lowercased()) }
        for candidate in lowercasedValues.elementsEqual(signedValues, by: ==) ? [signedValues] : [lowercasedValues, signedValues] {
            let toSign = stringToSign(
                timestamp: timestamp, date: parsed.date, service: parsed.service,
                canonicalRequest: canonicalRequest(method: method, path: path, query: query, headers: candidate, payload: payload))
            if HMAC<SHA256>.isValidAuthenticationCode(claimed, authenticating: Array(toSign.utf8), using: signingKey) {
                return parsed.secretId
            }
        }
        throw .signatureMismatch
    }

    /// The credential scope date: the UTC calendar date of a unix timestamp, `yyyy-mm-dd`.
    public static func credentialDate(timestamp: Int) -> String {
        // Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil_from_days); no locale, no Foundation.
        let days = timestamp >= 0 ? timestamp / 86400 : (timestamp - 86399) / 86400
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
    }

    static func canonicalRequest(method: String, path: String, query: String, headers: [(name: String, value: String)],
                                 payload: [UInt8]) -> String {
        let canonicalHeaders = headers.map { "\($0.name):\($0.value)\n" }.joined()
        let signedHeaders = headers.map(\.name).joined(separator: ";")
        return "\(method)\n\(path)\n\(query)\n\(canonicalHeaders)\n\(signedHeaders)\n\(hex(SHA256.hash(data: payload)))"
    }

    static func stringToSign(timestamp: Int, date: String, service: String, canonicalRequest: String) -> String {
        "\(algorithm)\n\(timestamp)\n\(date)/\(service)/tc3_request\n\(hex(SHA256.hash(data: Array(canonicalRequest.utf8))))"
    }

    /// Lowercase hex signature of a StringToSign.
    static func signature(secretKey: String, date: String, service: String, stringToSign: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8),
                                            using: signingKey(secretKey: secretKey, date: date, service: service)))
    }

    static func signingKey(secretKey: String, date: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array(("TC3" + secretKey).utf8))
        for step in [date, service, "tc3_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(step.utf8), using: key))
        }
        return key
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value.magnitude)
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes of a hex string already checked to be even-length hex digits.
    static func hexBytes(_ text: String) -> [UInt8] {
        func nibble(_ c: UInt8) -> UInt8 {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: 0
            }
        }
        let chars = Array(text.utf8)
        return stride(from: 0, to: chars.count - 1, by: 2).map { nibble(chars[$0]) << 4 | nibble(chars[$0 + 1]) }
    }
}
