/// The format negotiated with the camera (before conversion to I420).
public struct VideoCaptureFormat: Sendable, Equatable, CustomStringConvertible {
    /// SPA name of the camera's pixel format, e.g. "YUY2", "I420", "RGB".
    public let pixelFormat: String
    public let width: Int
    public let height: Int
    /// Nominal frames per second; 0 when the source has a variable rate.
    public let frameRate: Double

    public var description: String { "\(pixelFormat) \(width)x\(height) @ \(frameRate) fps" }
}
