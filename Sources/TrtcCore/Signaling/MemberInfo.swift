/// A room member as the others see it.
public struct MemberInfo: Sendable, Equatable {
    public var userId: String
    public var role: Role
    public var video: Bool
    public var audio: Bool

    public init(userId: String, role: Role, video: Bool = false, audio: Bool = false) {
        self.userId = userId
        self.role = role
        self.video = video
        self.audio = audio
    }

    var json: JSONValue {
        .object(["userId": .string(userId), "role": .string(role.rawValue), "video": .bool(video), "audio": .bool(audio)])
    }

    init(_ value: JSONValue) throws(SignalingError) {
        let fields = try MessageFields(value)
        guard let userId = try fields.string("userId") else { throw .badMessage("member without userId") }
        self.init(userId: userId, role: try fields.role("role") ?? .anchor,
                  video: try fields.bool("video") ?? false, audio: try fields.bool("audio") ?? false)
    }
}
