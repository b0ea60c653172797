#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension UserSigDocument: Decodable {
    enum CodingKeys: String, CodingKey {
        case version = "TLS.ver"
        case identifier = "TLS.identifier"
        case sdkAppId = "TLS.sdkappid"
        case time = "TLS.time"
        case expire = "TLS.expire"
        case userBuf = "TLS.userbuf"
        case signature = "TLS.sig"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            version: try container.decode(String.self, forKey: .version),
            identifier: try container.decode(String.self, forKey: .identifier),
            sdkAppId: try container.decode(WholeNumber.self, forKey: .sdkAppId).value,
            time: try container.decode(WholeNumber.self, forKey: .time).value,
            expire: try container.decode(WholeNumber.self, forKey: .expire).value,
            userBuf: try container.decodeIfPresent(String.self, forKey: .userBuf),
            signature: try container.decode(String.self, forKey: .signature))
    }

    /// A JSON number that is a whole number within Int64. JSONDecoder reports a fractional or huge number as
    /// "not valid JSON"; this reports it as a wrong type at the field instead, so the message names the field.
    private struct WholeNumber: Decodable {
        let value: Int64

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int64.self) {
                self.value = value
                return
            }
            _ = try container.decode(Double.self)  // a string, bool or null fails here with its own type mismatch
            throw DecodingError.typeMismatch(
                Int64.self, .init(codingPath: decoder.codingPath, debugDescription: "not a whole number within 64 bits"))
        }
    }

    /// The document exactly as Tencent's Python TLSSigAPIv2 writes it (`json.dumps` of its dict: that key order,
    /// ", " and ": " separators, non-ASCII escaped), so that our UserSigs are byte-identical to Tencent's.
    var tencentJSON: String {
        var fields = [
            ("TLS.ver", Self.pythonJSONString(version)),
            ("TLS.identifier", Self.pythonJSONString(identifier)),
            ("TLS.sdkappid", String(sdkAppId)),
            ("TLS.expire", String(expire)),
            ("TLS.time", String(time)),
        ]
        if let userBuf {
            fields.append(("TLS.userbuf", Self.pythonJSONString(userBuf)))
        }
        fields.append(("TLS.sig", Self.pythonJSONString(signature)))
        return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// A JSON string literal as Python's `json.dumps` (ensure_ascii) writes it.
    static func pythonJSONString(_ text: String) -> String {
        var out = "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20...0x7E: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }
}
