/// What `StartLocalVideo` asks of the camera.
public struct VideoCaptureOptions: Sendable, Equatable {
    /// `node.name` or `object.serial` of a Video/Source node; nil or empty: the default camera.
    public var camera: String?
    /// Preferred size; the camera's nearest supported size is used when it cannot do this one.
    public var width: Int
    public var height: Int
    /// Frames per second delivered at most (faster sources are thinned out).
    public var fps: Int
    /// Whether frames coming faster than `fps` are thinned out (a camera faster than asked); false delivers every
    /// frame the node sends (a reader that measures what a node shows).
    public var thinsToFrameRate: Bool

    public init(camera: String? = nil, width: Int = 640, height: Int = 360, fps: Int = 15, thinsToFrameRate: Bool = true) {
        self.camera = camera
        self.width = width
        self.height = height
        self.fps = fps
        self.thinsToFrameRate = thinsToFrameRate
    }

    static let maximumDimension = 4096
    static let maximumFPS = 120

    func validate() throws(PipeWireError) {
        guard (1...Self.maximumDimension).contains(width), (1...Self.maximumDimension).contains(height) else {
            throw .invalidArgument("video size \(width)x\(height) is outside 1…\(Self.maximumDimension)")
        }
        guard (1...Self.maximumFPS).contains(fps) else {
            throw .invalidArgument("frame rate \(fps) is outside 1…\(Self.maximumFPS)")
        }
    }
}
