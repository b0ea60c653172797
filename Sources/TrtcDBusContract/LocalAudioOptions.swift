import TrtcDBus

/// StartLocalAudio's options: `microphone` s (node.name or object.serial; default the default microphone),
/// `bitrate` u (kbit/s, default 32). Captured and encoded as 48 kHz mono Opus, 20 ms per packet.
public struct LocalAudioOptions: Sendable, Equatable {
    public var microphone: String?
    public var bitrateKbps = 32

    public static let knownKeys: Set<String> = ["microphone", "bitrate"]

    public init() {}

    public init(_ values: [String: DBusValue]) throws(DBusError) {
        let options = try LocalMediaOptions(method: "StartLocalAudio", values, known: Self.knownKeys)
        microphone = try options.string("microphone")
        bitrateKbps = try options.unsigned("bitrate", in: 6...510) ?? bitrateKbps
    }
}
