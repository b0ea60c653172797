/// A failure reported by libvpx or libopus, or input they must not be given.
public enum CodecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libvpx returned an error code; `message` is libvpx's own text (and detail, if any).
    case vpx(operation: String, code: Int32, message: String)
    /// libopus returned a negative error code; `message` is `opus_strerror`'s text.
    case opus(operation: String, code: Int32, message: String)
    case invalidConfiguration(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case .vpx(let operation, let code, let message): "libvpx \(operation) failed (\(code)): \(message)"
        case .opus(let operation, let code, let message): "libopus \(operation) failed (\(code)): \(message)"
        case .invalidConfiguration(let detail): "invalid codec configuration: \(detail)"
        case .invalidInput(let detail): "invalid codec input: \(detail)"
        }
    }
}
