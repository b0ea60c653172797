/// Why bytes off the network are not a valid RTP/RTCP packet or payload.
public enum RTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case truncated(what: String, needed: Int, available: Int)
    case unsupportedVersion(UInt8)
    case invalidPadding(String)
    case invalidLength(String)
    case emptyPayload(String)
    case invalidField(String)

    public var description: String {
        switch self {
        case .truncated(let what, let needed, let available): "truncated \(what): needs \(needed) bytes, has \(available)"
        case .unsupportedVersion(let version): "RTP/RTCP version \(version), expected 2"
        case .invalidPadding(let detail): "invalid padding: \(detail)"
        case .invalidLength(let detail): "invalid length: \(detail)"
        case .emptyPayload(let detail): "empty payload: \(detail)"
        case .invalidField(let detail): "invalid field: \(detail)"
        }
    }
}
