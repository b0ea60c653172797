/// A TRTC error: the numeric TRTC code and a message that names the field and the rule.
/// `description` is the form used in D-Bus error replies and CLI output: `[-3318] roomId 0 is outside 1…4294967294`.
public struct TrtcError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: Int32
    public let message: String

    public init(_ code: TrtcErrorCode, _ message: String) {
        self.code = code.rawValue
        self.message = message
    }

    /// For codes that arrive over the wire and may not be one of ``TrtcErrorCode``.
    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// The known code, or nil for a code this build does not name.
    public var knownCode: TrtcErrorCode? { TrtcErrorCode(rawValue: code) }

    public var description: String { "[\(code)] \(message)" }
}
