import TrtcDBus

/// StartLocalAudio's options: `microphone` s (node.name or object.serial; default the default microphone),
/// `bitrate` u (kbit/s, default 32), `bindToCaller` b (default false). Captured and encoded as 48 kHz mono Opus, 20 ms per packet.
public struct LocalAudioOptions: Sendable, Equatable {
    public var microphone: String?
    public var bitrateKbps = 32
    /// True: the capture is closed (as by StopLocalAudio) when the calling bus name leaves the bus.
    public var bindToCaller = false

    public static let knownKeys: Set<String> = ["microphone", "bitrate", "bindToCaller"]

    public init() {}

    public init(_ values: [String: DBusValue]) throws(DBusError) {
        let options = try LocalMediaOptions(method: "StartLocalAudio", values, known: Self.knownKeys)
        microphone = try options.string("microphone")
        bitrateKbps = try options.unsigned("bitrate", in: 6...510) ?? bitrateKbps
        bindToCaller = try options.bool("bindToCaller") ?? false
    }
}
