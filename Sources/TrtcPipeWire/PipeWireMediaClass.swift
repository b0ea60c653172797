/// The `media.class` values of devices trtcd uses.
public enum PipeWireMediaClass: String, Sendable, CaseIterable {
    case videoSource = "Video/Source"
    case audioSource = "Audio/Source"
    case audioSink = "Audio/Sink"

    /// Key of the session manager's "default" metadata naming the default node of this class.
    var defaultMetadataKey: String {
        switch self {
        case .videoSource: "default.video.source"
        case .audioSource: "default.audio.source"
        case .audioSink: "default.audio.sink"
        }
    }

    /// What users call such a device, for error messages.
    var deviceNoun: String {
        switch self {
        case .videoSource: "camera"
        case .audioSource: "microphone"
        case .audioSink: "speaker"
        }
    }
}
