import Crypto
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Tencent's TLSSigAPIv2 UserSig, byte-compatible both ways with Tencent's published implementations (SPEC §2):
/// HMAC-SHA256 (key: the app's secret key) over the document's ``UserSigDocument/signedContent``, the JSON document
/// zlib-compressed, then base64 with `+`→`*`, `/`→`-`, `=`→`_`.
public enum UserSig {
    /// Longest UserSig accepted, in bytes. Real ones are about 150–300; anything far larger is not a UserSig.
    public static let maximumLength = 4096
    /// Largest inflated document accepted, so a small "zip bomb" cannot make the server allocate much.
    public static let maximumDocumentSize = 16 * 1024
    /// Tencent's default validity: 180 days.
    public static let defaultExpire = 86400 * 180

    /// A UserSig for `userId` in app `sdkAppId`, valid `expire` seconds from `time` (default: now).
    /// Same inputs give the same bytes as Tencent's Python `TLSSigAPIv2.gen_sig`.
    public static func generate(sdkAppId: UInt32, userId: String, secretKey: String, expire: Int = 86400 * 180,
                                time: Int? = nil) -> String {
        generate(sdkAppId: sdkAppId, userId: userId, secretKey: secretKey, expire: expire,
                 time: Int64(time ?? Int(Date().timeIntervalSince1970)), userBuf: nil)
    }

    /// The same with a `TLS.userbuf` (standard base64 of `userBuf`, signed too): Tencent's `gen_sig_with_userbuf`.
    static func generate(sdkAppId: UInt32, userId: String, secretKey: String, expire: Int, time issued: Int64,
                         userBuf: [UInt8]?) -> String {
        var document = UserSigDocument(identifier: userId, sdkAppId: Int64(sdkAppId), time: issued, expire: Int64(expire),
                                       userBuf: userBuf.map { Data($0).base64EncodedString() }, signature: "")
        document.signature = Data(mac(document.signedContent, secretKey: secretKey)).base64EncodedString()
        return TencentBase64.encode(Zlib.compress(Array(document.tencentJSON.utf8)))
    }

    /// How far in the future a UserSig's `TLS.time` may lie (clock skew between issuer and server), in seconds.
    public static let maximumClockSkew = 300

    /// Checks a UserSig the way Tencent's server does. Throws -3320 when it is empty, and -100018 with a message saying
    /// why otherwise: malformed, made for another user, for another app, bad signature, or expired.
    public static func verify(_ userSig: String, sdkAppId: UInt32, userId: String, secretKey: String,
                              now: Int? = nil) throws(TrtcError) {
        _ = try verifiedDocument(userSig, sdkAppId: sdkAppId, userId: userId, secretKey: secretKey, now: now, as: .userSig)
    }

    /// What a TLS document is checked as: its name in messages and the code of a failure.
    struct Ticket {
        let name: String
        let code: TrtcErrorCode
        static let userSig = Ticket(name: "userSig", code: .userSigCheckFailed)
        static let privateMapKey = Ticket(name: "privateMapKey", code: .invalidPrivateMapKey)
    }

    /// The document of a sig that verifies (app, user, signature, `TLS.time` + `TLS.expire`).
    static func verifiedDocument(_ userSig: String, sdkAppId: UInt32, userId: String, secretKey: String, now: Int?,
                                 as ticket: Ticket) throws(TrtcError) -> UserSigDocument {
        let name = ticket.name
        func failure(_ message: String) -> TrtcError { TrtcError(ticket.code, message) }
        let document = try decode(userSig, as: ticket)
        guard document.sdkAppId == Int64(sdkAppId) else {
            throw failure("\(name) is for sdkAppId \(document.sdkAppId), not \(sdkAppId)")
        }
        guard document.identifier == userId else {
            throw failure("\(name) is for userId \(quoted(document.identifier)), not \(quoted(userId))")
        }
        guard let signature = Data(base64Encoded: document.signature),
              HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Array(document.signedContent.utf8),
                                                      using: SymmetricKey(data: Array(secretKey.utf8)))
        else {
            throw failure("\(name) signature does not match (made with another secret key, or altered)")
        }
        let current = Int64(now ?? Int(Date().timeIntervalSince1970))
        // Tencent's rule: expired once more than `expire` seconds have passed since `time`.
        let (age, overflow) = current.subtractingReportingOverflow(document.time)
        if overflow || age > document.expire {
            throw failure("\(name) expired at \(document.expiresAt) (issued \(document.time), valid \(document.expire) s); now is \(current)")
        }
        // Stricter than Tencent (security L5): a UserSig issued further in the future than clocks plausibly differ
        // would be valid for longer than its `expire` says.
        if age < -Int64(maximumClockSkew) {
            throw failure("\(name) is issued at \(document.time), more than \(maximumClockSkew) s after the server's clock")
        }
        return document
    }

    /// The document inside a UserSig, without checking its signature. -3320 when empty, -100018 when malformed.
    public static func decode(_ userSig: String) throws(TrtcError) -> UserSigDocument {
        try decode(userSig, as: .userSig)
    }

    static func decode(_ userSig: String, as ticket: Ticket) throws(TrtcError) -> UserSigDocument {
        let name = ticket.name
        func failure(_ message: String) -> TrtcError { TrtcError(ticket.code, message) }
        guard !userSig.isEmpty else {
            throw TrtcError(ticket.code == .userSigCheckFailed ? .invalidUserSig : ticket.code, "\(name) is empty")
        }
        guard userSig.utf8.count <= maximumLength else {
            throw failure("\(name) is \(userSig.utf8.count) bytes, more than \(maximumLength)")
        }
        guard let compressed = TencentBase64.decode(userSig) else {
            throw failure("\(name) is not base64 (Tencent's variant with * - _)")
        }
        let json: [UInt8]
        switch Zlib.inflate(compressed, maximumOutput: maximumDocumentSize) {
        case .success(let inflated) where inflated.consumed == compressed.count:
            json = inflated.output
        case .success(let inflated):
            throw failure("\(name) has \(compressed.count - inflated.consumed) stray bytes after its zlib stream")
        case .failure(.tooLarge):
            throw failure("\(name) document inflates to more than \(maximumDocumentSize) bytes")
        case .failure(.corrupt(let status)):
            throw failure("\(name) does not hold a complete zlib stream (zlib status \(status))")
        }
        let document: UserSigDocument
        do {
            document = try JSONDecoder().decode(UserSigDocument.self, from: Data(json))
        } catch let error as DecodingError {
            throw failure("\(name) document is not a TLS document: \(describe(error))")
        } catch {
            throw failure("\(name) document is not a TLS document")
        }
        guard document.version == "2.0" else {
            throw failure("\(name) is TLS.ver \(quoted(document.version)); only 2.0 is supported")
        }
        return document
    }

    private static func mac(_ content: String, secretKey: String) -> HMAC<SHA256>.MAC {
        HMAC<SHA256>.authenticationCode(for: Array(content.utf8), using: SymmetricKey(data: Array(secretKey.utf8)))
    }

    /// Quoted, shortened, control characters replaced: document fields are attacker-controlled text.
    private static func quoted(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.prefix(64).map { $0.properties.generalCategory == .control ? "?" : Character($0) })
        return "\"" + cleaned + (text.unicodeScalars.count > 64 ? "…" : "") + "\""
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _):
            "\(key.stringValue) is missing"
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            "not a JSON object"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has a bad value"
        case .dataCorrupted:
            "not JSON"
        @unknown default:
            "unreadable"
        }
    }
}
