/// The parts of a `TC3-HMAC-SHA256 Credential=<SecretId>/<date>/<service>/tc3_request, SignedHeaders=a;b, Signature=<hex>` header.
public struct TC3Authorization: Sendable, Equatable {
    public var secretId: String
    /// Credential scope date, `yyyy-mm-dd` (UTC date of the request's timestamp).
    public var date: String
    public var service: String
    /// Lowercased header names in the order the header lists them.
    public var signedHeaders: [String]
    /// Lowercase hex HMAC-SHA256.
    public var signature: String

    public init(secretId: String, date: String, service: String, signedHeaders: [String], signature: String) {
        self.secretId = secretId
        self.date = date
        self.service = service
        self.signedHeaders = signedHeaders
        self.signature = signature
    }

    public var credentialScope: String { "\(date)/\(service)/tc3_request" }

    /// The header value.
    public var headerValue: String {
        "\(TC3.algorithm) Credential=\(secretId)/\(credentialScope), SignedHeaders=\(signedHeaders.joined(separator: ";")), Signature=\(signature)"
    }

    /// Parses a header value; the error text says which part is wrong.
    public init(parsing header: String) throws(TC3VerificationError) {
        let trimmed = header.trimmingASCIIWhitespace()
        guard trimmed.hasPrefix(TC3.algorithm + " ") else {
            let algorithm = trimmed.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
            throw .malformedAuthorization("algorithm \(TC3Authorization.shown(algorithm)) is not \(TC3.algorithm)")
        }
        var fields: [String: String] = [:]
        for part in trimmed.dropFirst(TC3.algorithm.count + 1).split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            let name = pair.first.map { String($0).trimmingASCIIWhitespace() } ?? ""
            guard pair.count == 2, !name.isEmpty else {
                throw .malformedAuthorization("\(TC3Authorization.shown(String(part))) is not Name=Value")
            }
            guard fields[name] == nil else {
                throw .malformedAuthorization("\(name) appears twice")
            }
            fields[name] = String(pair[1]).trimmingASCIIWhitespace()
        }
        guard let credential = fields["Credential"] else { throw .malformedAuthorization("Credential is missing") }
        guard let signedHeaders = fields["SignedHeaders"] else { throw .malformedAuthorization("SignedHeaders is missing") }
        guard let signature = fields["Signature"] else { throw .malformedAuthorization("Signature is missing") }

        let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 4, !scope[0].isEmpty, !scope[2].isEmpty, scope[3] == "tc3_request" else {
            throw .malformedAuthorization("Credential \(TC3Authorization.shown(credential)) is not <SecretId>/<date>/<service>/tc3_request")
        }
        guard TC3Authorization.isDate(scope[1]) else {
            throw .malformedAuthorization("Credential date \(TC3Authorization.shown(scope[1])) is not yyyy-mm-dd")
        }
        let headerNames = signedHeaders.split(separator: ";", omittingEmptySubsequences: false).map { $0.lowercased() }
        guard !headerNames.contains(where: \.isEmpty) else {
            throw .malformedAuthorization("SignedHeaders \(TC3Authorization.shown(signedHeaders)) has an empty name")
        }
        guard signature.utf8.count == 64, signature.utf8.allSatisfy({ TC3Authorization.isHexDigit($0) }) else {
            throw .malformedAuthorization("Signature is not 64 hex digits")
        }
        self.init(secretId: scope[0], date: scope[1], service: scope[2], signedHeaders: headerNames,
                  signature: signature.lowercased())
    }

    private static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        return bytes.enumerated().allSatisfy { index, byte in index == 4 || index == 7 || (byte >= 0x30 && byte <= 0x39) }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) || (0x41...0x46).contains(byte)
    }

    /// Quoted and shortened for error messages: header text comes from the network.
    static func shown(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.prefix(80).map { $0.value < 0x20 || $0.value > 0x7E ? "?" : Character($0) })
        return "\"" + cleaned + (text.unicodeScalars.count > 80 ? "…" : "") + "\""
    }
}
