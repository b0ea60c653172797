import TrtcDBus

/// StartLocalAudio's options: `microphone` s (node.name or object.serial; default the default microphone),
/// `bitrate` u (kbit/s, default 32). Captured and encoded as 48 kHz mono Opus, 20 ms per packet.
struct LocalAudioOptions: Sendable, Equatable {
    var microphone: String?
    var bitrateKbps = 32

    static let knownKeys: Set<String> = ["microphone", "bitrate"]

    init() {}

    init(_ values: [String: DBusValue]) throws(DBusError) {
        let options = try LocalMediaOptions(method: "StartLocalAudio", values, known: Self.knownKeys)
        microphone = try options.string("microphone")
        bitrateKbps = try options.unsigned("bitrate", in: 6...510) ?? bitrateKbps
    }
}
