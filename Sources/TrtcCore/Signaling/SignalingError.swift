/// An `error` message's content: a TRTC code plus a machine-readable kind.
public struct SignalingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        /// An identifier or parameter is invalid (codes -3316 … -3320).
        case invalidArgument = "invalid-argument"
        /// The UserSig (-100018) or the privateMapKey (-100006) did not verify, or the key does not allow the request.
        case authFailed = "auth-failed"
        /// The request is well-formed but not allowed now (-3340).
        case refused
        /// The message could not be understood at all (-3340).
        case badMessage = "bad-message"
    }

    public var seq: UInt32?
    public var code: Int32
    public var kind: Kind
    public var message: String

    public init(seq: UInt32? = nil, code: Int32, kind: Kind, message: String) {
        self.seq = seq
        self.code = code
        self.kind = kind
        self.message = message
    }

    public init(seq: UInt32? = nil, _ error: TrtcError) {
        let kind: Kind = switch error.code {
        case TrtcErrorCode.userSigCheckFailed.rawValue, TrtcErrorCode.invalidPrivateMapKey.rawValue: .authFailed
        case TrtcErrorCode.refused.rawValue: .refused
        default: .invalidArgument
        }
        self.init(seq: seq, code: error.code, kind: kind, message: error.message)
    }

    public static func badMessage(_ message: String, seq: UInt32? = nil) -> SignalingError {
        SignalingError(seq: seq, code: TrtcErrorCode.refused.rawValue, kind: .badMessage, message: message)
    }

    public static func refused(_ message: String, seq: UInt32? = nil) -> SignalingError {
        SignalingError(seq: seq, code: TrtcErrorCode.refused.rawValue, kind: .refused, message: message)
    }

    public var trtcError: TrtcError { TrtcError(code: code, message: message) }
    public var description: String { "[\(code)] \(message)" }
}
