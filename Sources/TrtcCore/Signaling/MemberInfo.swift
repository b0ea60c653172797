/// A room member as the others see it.
public struct MemberInfo: Sendable, Equatable {
    public var userId: String
    public var role: Role
    public var video: Bool
    public var audio: Bool
    /// The SSRC of the member's video, while it publishes video (receivers tell streams apart by SSRC).
    public var videoSsrc: UInt32?
    /// The SSRC of the member's audio, while it publishes audio.
    public var audioSsrc: UInt32?

    public init(userId: String, role: Role, video: Bool = false, audio: Bool = false,
                videoSsrc: UInt32? = nil, audioSsrc: UInt32? = nil) {
        self.userId = userId
        self.role = role
        self.video = video
        self.audio = audio
        self.videoSsrc = videoSsrc
        self.audioSsrc = audioSsrc
    }

    var json: JSONValue {
        var fields: [String: JSONValue] = [
            "userId": .string(userId), "role": .string(role.rawValue), "video": .bool(video), "audio": .bool(audio),
        ]
        if let videoSsrc { fields["videoSsrc"] = .integer(Int64(videoSsrc)) }
        if let audioSsrc { fields["audioSsrc"] = .integer(Int64(audioSsrc)) }
        return .object(fields)
    }

    init(_ value: JSONValue) throws(SignalingError) {
        let fields = try MessageFields(value)
        guard let userId = try fields.string("userId") else { throw .badMessage("member without userId") }
        self.init(userId: try ServerMessage.checkedUserId(userId), role: try fields.role("role") ?? .anchor,
                  video: try fields.bool("video") ?? false, audio: try fields.bool("audio") ?? false,
                  videoSsrc: try fields.ssrc("videoSsrc"), audioSsrc: try fields.ssrc("audioSsrc"))
    }
}
