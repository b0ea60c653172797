import TrtcDBus

/// StartLocalVideo's options: `camera` s (node.name or object.serial; default the default camera), `width` u,
/// `height` u, `fps` u, `bitrate` u (kbit/s), `bindToCaller` b. Defaults 640×480 at 30 fps, 800 kbit/s, not bound.
public struct LocalVideoOptions: Sendable, Equatable {
    public var camera: String?
    public var width = 640
    public var height = 480
    public var fps = 30
    public var bitrateKbps = 800
    /// True: the capture is closed (as by StopLocalVideo) when the calling bus name leaves the bus.
    public var bindToCaller = false

    public static let knownKeys: Set<String> = ["camera", "width", "height", "fps", "bitrate", "bindToCaller"]

    public init() {}

    public init(_ values: [String: DBusValue]) throws(DBusError) {
        let options = try LocalMediaOptions(method: "StartLocalVideo", values, known: Self.knownKeys)
        camera = try options.string("camera")
        width = try options.unsigned("width", in: 16...4096) ?? width
        height = try options.unsigned("height", in: 16...4096) ?? height
        fps = try options.unsigned("fps", in: 1...60) ?? fps
        bitrateKbps = try options.unsigned("bitrate", in: 30...20_000) ?? bitrateKbps
        bindToCaller = try options.bool("bindToCaller") ?? false
    }
}
