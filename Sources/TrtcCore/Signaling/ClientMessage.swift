/// What trtcd sends to trtc-server.
public enum ClientMessage: Sendable, Equatable {
    case enter(EnterRequest)
    case leave(seq: UInt32)
    case heartbeat
    case switchRole(seq: UInt32, role: Role)
    /// Publish state; a nil field is left as it is.
    case publish(seq: UInt32, video: Bool?, audio: Bool?)
    /// A browser member's new SDP offer (docs/protocol.md §3) and which member's stream each receiving section is for.
    case offer(seq: UInt32, sdp: String, streams: [StreamRequest])
}

/// One receiving section of a browser's offer and the stream it asks for on it.
public struct StreamRequest: Sendable, Equatable {
    public var mid: String
    public var userId: String
    public var kind: String

    public init(mid: String, userId: String, kind: String) {
        self.mid = mid
        self.userId = userId
        self.kind = kind
    }

    var json: JSONValue { .object(["mid": .string(mid), "userId": .string(userId), "kind": .string(kind)]) }
}

/// The `enter` request. Identifiers are carried raw so that the server, not the decoder, validates them
/// and answers with TRTC's codes.
public struct EnterRequest: Sendable, Equatable {
    public var seq: UInt32
    public var sdkAppId: Int64?
    public var userId: String?
    public var userSig: String?
    public var roomId: Int64?
    public var strRoomId: String?
    public var scene: Scene
    public var role: Role
    public var video: Bool
    public var audio: Bool
    /// The client's side of the media connection; nil for a signaling-only member.
    public var media: MediaOffer?
    /// Tencent's room permission ticket (docs/security.md H3); nil or empty when the client has none.
    public var privateMapKey: String?
    /// A browser's SDP offer (docs/protocol.md §3), instead of `media`.
    public var sdp: String?

    public init(seq: UInt32, sdkAppId: Int64?, userId: String?, userSig: String?, roomId: Int64?, strRoomId: String?,
                scene: Scene = .rtc, role: Role = .anchor, video: Bool = false, audio: Bool = false,
                media: MediaOffer? = nil, privateMapKey: String? = nil, sdp: String? = nil) {
        self.sdp = sdp
        self.seq = seq
        self.sdkAppId = sdkAppId
        self.userId = userId
        self.userSig = userSig
        self.roomId = roomId
        self.strRoomId = strRoomId
        self.scene = scene
        self.role = role
        self.video = video
        self.audio = audio
        self.media = media
        self.privateMapKey = privateMapKey
    }

    public init(seq: UInt32, sdkAppId: UInt32, userId: String, userSig: String, room: RoomName,
                scene: Scene = .rtc, role: Role = .anchor, video: Bool = false, audio: Bool = false,
                media: MediaOffer? = nil, privateMapKey: String? = nil, sdp: String? = nil) {
        var roomId: Int64?
        var strRoomId: String?
        switch room {
        case .numeric(let id): roomId = Int64(id)
        case .string(let id): strRoomId = id
        }
        self.init(seq: seq, sdkAppId: Int64(sdkAppId), userId: userId, userSig: userSig, roomId: roomId,
                  strRoomId: strRoomId, scene: scene, role: role, video: video, audio: audio, media: media,
                  privateMapKey: privateMapKey, sdp: sdp)
    }
}

extension ClientMessage {
    public static func decode(_ value: JSONValue) throws(SignalingError) -> ClientMessage {
        let message = try MessageFields(value)
        switch try message.type() {
        case "enter":
            let seq = try message.requireSeq()
            let scene: Scene
            if let text = try message.string("scene") {
                guard let parsed = Scene(rawValue: text) else {
                    throw .badMessage("scene must be rtc or live, not \(text.debugDescription)", seq: seq)
                }
                scene = parsed
            } else {
                scene = .rtc
            }
            return .enter(EnterRequest(
                seq: seq,
                sdkAppId: try message.integer("sdkAppId", code: .invalidSdkAppId),
                userId: try message.string("userId", code: .invalidUserId),
                userSig: try message.string("userSig", code: .invalidUserSig),
                roomId: try message.integer("roomId", code: .invalidRoomId),
                strRoomId: try message.string("strRoomId", code: .invalidRoomId),
                scene: scene,
                role: try message.role("role") ?? .anchor,
                video: try message.bool("video") ?? false,
                audio: try message.bool("audio") ?? false,
                media: try message.fields["media"].flatMap { value throws(SignalingError) in
                    value == .null ? nil : try MediaOffer(value, seq: seq)
                },
                privateMapKey: try message.string("privateMapKey", code: .invalidPrivateMapKey),
                sdp: try message.string("sdp")))
        case "leave":
            return .leave(seq: try message.requireSeq())
        case "heartbeat":
            return .heartbeat
        case "switchRole":
            let seq = try message.requireSeq()
            guard let role = try message.role("role") else { throw .badMessage("switchRole needs a role", seq: seq) }
            return .switchRole(seq: seq, role: role)
        case "publish":
            return .publish(seq: try message.requireSeq(), video: try message.bool("video"), audio: try message.bool("audio"))
        case "offer":
            let seq = try message.requireSeq()
            guard let sdp = try message.string("sdp") else { throw .badMessage("offer needs sdp", seq: seq) }
            var streams: [StreamRequest] = []
            switch message.fields["streams"] ?? .array([]) {
            case .array(let items):
                for item in items {
                    let fields = try MessageFields(item)
                    guard let mid = try fields.string("mid"), let userId = try fields.string("userId"),
                          let kind = try fields.string("kind") else {
                        throw .badMessage("each of offer.streams needs mid, userId and kind", seq: seq)
                    }
                    streams.append(StreamRequest(mid: mid, userId: userId, kind: kind))
                }
            default:
                throw .badMessage("offer.streams must be an array", seq: seq)
            }
            return .offer(seq: seq, sdp: sdp, streams: streams)
        case let other:
            throw .badMessage("unknown message type \(String(other.prefix(64)).debugDescription)", seq: message.seq)
        }
    }

    public static func decode(text: String) throws(SignalingError) -> ClientMessage {
        let value: JSONValue
        do {
            value = try JSONCoding.parse(text, maxBytes: Signaling.maxMessageBytes)
        } catch {
            throw .badMessage(error.description)
        }
        return try decode(value)
    }

    public var json: JSONValue {
        switch self {
        case .enter(let request):
            var fields: [String: JSONValue] = [
                "type": .string("enter"), "seq": .integer(Int64(request.seq)),
                "scene": .string(request.scene.rawValue), "role": .string(request.role.rawValue),
                "video": .bool(request.video), "audio": .bool(request.audio),
            ]
            if let v = request.sdkAppId { fields["sdkAppId"] = .integer(v) }
            if let v = request.userId { fields["userId"] = .string(v) }
            if let v = request.userSig { fields["userSig"] = .string(v) }
            if let v = request.roomId { fields["roomId"] = .integer(v) }
            if let v = request.strRoomId { fields["strRoomId"] = .string(v) }
            if let v = request.media { fields["media"] = v.json }
            if let v = request.privateMapKey, !v.isEmpty { fields["privateMapKey"] = .string(v) }
            if let v = request.sdp { fields["sdp"] = .string(v) }
            return .object(fields)
        case .leave(let seq):
            return .object(["type": .string("leave"), "seq": .integer(Int64(seq))])
        case .heartbeat:
            return .object(["type": .string("heartbeat")])
        case .switchRole(let seq, let role):
            return .object(["type": .string("switchRole"), "seq": .integer(Int64(seq)), "role": .string(role.rawValue)])
        case .publish(let seq, let video, let audio):
            var fields: [String: JSONValue] = ["type": .string("publish"), "seq": .integer(Int64(seq))]
            if let video { fields["video"] = .bool(video) }
            if let audio { fields["audio"] = .bool(audio) }
            return .object(fields)
        case .offer(let seq, let sdp, let streams):
            return .object(["type": .string("offer"), "seq": .integer(Int64(seq)), "sdp": .string(sdp),
                            "streams": .array(streams.map(\.json))])
        }
    }

    public var text: String { JSONCoding.print(json) }
}
