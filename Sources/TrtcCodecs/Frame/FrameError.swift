/// Why a raw picture could not be built or converted.
public enum FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidSize(width: Int, height: Int)
    case invalidStride(String)
    case bufferTooSmall(plane: String, needed: Int, actual: Int)

    public var description: String {
        switch self {
        case .invalidSize(let width, let height):
            "invalid frame size \(width)x\(height) (must be 1…\(I420Frame.maximumDimension) each way)"
        case .invalidStride(let detail):
            "stride outside row width…\(I420Frame.maximumStride): \(detail)"
        case .bufferTooSmall(let plane, let needed, let actual):
            "\(plane) buffer holds \(actual) bytes, needs \(needed)"
        }
    }
}
