/// What trtc-server sends to trtcd.
public enum ServerMessage: Sendable, Equatable {
    /// First message on every connection.
    case hello(protocolVersion: Int, server: String)
    /// Reply to `enter`: admitted. `members` are the others the new member can see.
    case entered(Entered)
    case error(SignalingError)
    /// Reply to `leave`, `switchRole`, `publish`.
    case ack(seq: UInt32)
    case userEnter(userId: String, role: Role)
    case userLeave(userId: String, reason: LeaveReason)
    /// Publishing state changed; `ssrc` names the stream while available (and changes when the member entered
    /// again from another client).
    case userVideo(userId: String, available: Bool, ssrc: UInt32? = nil)
    case userAudio(userId: String, available: Bool, ssrc: UInt32? = nil)
    /// Forced exit; the server closes the connection after it.
    case exit(reason: ExitReason, message: String)
    /// The server is going away; the client should reconnect and enter again.
    case shutdown(message: String)
    case pong
    /// Cluster mode: the room of this `enter` lives on another node; enter again at `url` (`ws://…`/`wss://…`).
    /// The server closes the connection right after (docs/protocol.md, "Redirect").
    case redirect(seq: UInt32, url: String, node: String)
    /// A browser member's SDP answer to its `offer` (docs/protocol.md §3).
    case answer(seq: UInt32, sdp: String)

    public struct Entered: Sendable, Equatable {
        public var seq: UInt32
        public var userId: String
        public var room: RoomName
        public var members: [MemberInfo]
        public var media: MediaGrant
        public var heartbeatMs: Int
        public var departureTimeoutMs: Int
        /// Members the server listed with an invalid userId, left out of `members` (security finding M5).
        public var droppedMembers: Int
        /// The SDP answer to a browser's `enter.sdp` offer; nil for other clients.
        public var sdp: String?

        public init(seq: UInt32, userId: String, room: RoomName, members: [MemberInfo], media: MediaGrant,
                    heartbeatMs: Int, departureTimeoutMs: Int, droppedMembers: Int = 0, sdp: String? = nil) {
            self.droppedMembers = droppedMembers
            self.sdp = sdp
            self.seq = seq
            self.userId = userId
            self.room = room
            self.members = members
            self.media = media
            self.heartbeatMs = heartbeatMs
            self.departureTimeoutMs = departureTimeoutMs
        }
    }
}

extension ServerMessage {
    public var json: JSONValue {
        switch self {
        case .hello(let version, let server):
            return .object(["type": .string("hello"), "protocol": .integer(Int64(version)), "server": .string(server)])
        case .entered(let e):
            var fields: [String: JSONValue] = [
                "type": .string("entered"), "seq": .integer(Int64(e.seq)), "userId": .string(e.userId),
                "members": .array(e.members.map(\.json)), "media": e.media.json,
                "heartbeatMs": .integer(Int64(e.heartbeatMs)), "departureTimeoutMs": .integer(Int64(e.departureTimeoutMs)),
            ]
            switch e.room {
            case .numeric(let id): fields["roomId"] = .integer(Int64(id))
            case .string(let id): fields["strRoomId"] = .string(id)
            }
            if let sdp = e.sdp { fields["sdp"] = .string(sdp) }
            return .object(fields)
        case .error(let error):
            var fields: [String: JSONValue] = [
                "type": .string("error"), "code": .integer(Int64(error.code)), "kind": .string(error.kind.rawValue),
                "message": .string(error.message),
            ]
            if let seq = error.seq { fields["seq"] = .integer(Int64(seq)) }
            return .object(fields)
        case .ack(let seq):
            return .object(["type": .string("ack"), "seq": .integer(Int64(seq))])
        case .userEnter(let userId, let role):
            return .object(["type": .string("userEnter"), "userId": .string(userId), "role": .string(role.rawValue)])
        case .userLeave(let userId, let reason):
            return .object(["type": .string("userLeave"), "userId": .string(userId), "reason": .integer(Int64(reason.rawValue))])
        case .userVideo(let userId, let available, let ssrc):
            return Self.availability("userVideo", userId, available, ssrc)
        case .userAudio(let userId, let available, let ssrc):
            return Self.availability("userAudio", userId, available, ssrc)
        case .exit(let reason, let message):
            return .object(["type": .string("exit"), "reason": .integer(Int64(reason.rawValue)), "message": .string(message)])
        case .shutdown(let message):
            return .object(["type": .string("shutdown"), "message": .string(message)])
        case .pong:
            return .object(["type": .string("pong")])
        case .redirect(let seq, let url, let node):
            return .object(["type": .string("redirect"), "seq": .integer(Int64(seq)), "url": .string(url), "node": .string(node)])
        case .answer(let seq, let sdp):
            return .object(["type": .string("answer"), "seq": .integer(Int64(seq)), "sdp": .string(sdp)])
        }
    }

    private static func availability(_ type: String, _ userId: String, _ available: Bool, _ ssrc: UInt32?) -> JSONValue {
        var fields: [String: JSONValue] = ["type": .string(type), "userId": .string(userId), "available": .bool(available)]
        if let ssrc { fields["ssrc"] = .integer(Int64(ssrc)) }
        return .object(fields)
    }

    public var text: String { JSONCoding.print(json) }

    public static func decode(text: String) throws(SignalingError) -> ServerMessage {
        let value: JSONValue
        do {
            value = try JSONCoding.parse(text, maxBytes: 4 * 1024 * 1024)
        } catch {
            throw .badMessage(error.description)
        }
        return try decode(value)
    }

    public static func decode(_ value: JSONValue) throws(SignalingError) -> ServerMessage {
        let m = try MessageFields(value)
        func need<T>(_ v: T?, _ name: String) throws(SignalingError) -> T {
            guard let v else { throw .badMessage("\(name) is missing") }
            return v
        }
        switch try m.type() {
        case "hello":
            return .hello(protocolVersion: Int(try need(m.integer("protocol"), "protocol")),
                          server: try m.string("server") ?? "")
        case "entered":
            let room: RoomName
            if let id = try m.integer("roomId") {
                room = .numeric(try checked { () throws(TrtcError) in try Identifiers.roomId(id) })
            } else {
                let text = try need(m.string("strRoomId"), "roomId")
                room = .string(try checked { () throws(TrtcError) in try Identifiers.strRoomId(text) })
            }
            guard case .array(let rawMembers) = m.fields["members"] ?? .array([]) else {
                throw .badMessage("members must be an array")
            }
            // One bad member must not stop our own entry: it is left out and counted.
            var members: [MemberInfo] = []
            var dropped = 0
            for raw in rawMembers {
                do { members.append(try MemberInfo(raw)) } catch { dropped += 1 }
            }
            return .entered(Entered(
                seq: try m.requireSeq(), userId: try checkedUserId(try need(m.string("userId"), "userId")), room: room,
                members: members,
                media: try MediaGrant(try need(m.fields["media"], "media")),
                heartbeatMs: Int(try need(m.integer("heartbeatMs"), "heartbeatMs")),
                departureTimeoutMs: Int(try need(m.integer("departureTimeoutMs"), "departureTimeoutMs")),
                droppedMembers: dropped, sdp: try m.string("sdp")))
        case "error":
            let kind = SignalingError.Kind(rawValue: try m.string("kind") ?? "") ?? .refused
            let code = try need(m.integer("code"), "code")
            return .error(SignalingError(seq: m.seq, code: Int32(clamping: code), kind: kind,
                                         message: try m.string("message") ?? ""))
        case "ack":
            return .ack(seq: try m.requireSeq())
        case "userEnter":
            return .userEnter(userId: try checkedUserId(try need(m.string("userId"), "userId")), role: try m.role("role") ?? .anchor)
        case "userLeave":
            let raw = try need(m.integer("reason"), "reason")
            guard let reason = LeaveReason(rawValue: Int32(clamping: raw)) else { throw .badMessage("unknown leave reason \(raw)") }
            return .userLeave(userId: try checkedUserId(try need(m.string("userId"), "userId")), reason: reason)
        case "userVideo":
            return .userVideo(userId: try checkedUserId(try need(m.string("userId"), "userId")), available: try need(m.bool("available"), "available"),
                              ssrc: try m.ssrc("ssrc"))
        case "userAudio":
            return .userAudio(userId: try checkedUserId(try need(m.string("userId"), "userId")), available: try need(m.bool("available"), "available"),
                              ssrc: try m.ssrc("ssrc"))
        case "exit":
            let raw = try need(m.integer("reason"), "reason")
            guard let reason = ExitReason(rawValue: Int32(clamping: raw)) else { throw .badMessage("unknown exit reason \(raw)") }
            return .exit(reason: reason, message: try m.string("message") ?? "")
        case "shutdown":
            return .shutdown(message: try m.string("message") ?? "")
        case "pong":
            return .pong
        case "redirect":
            let url = try need(m.string("url"), "url")
            guard url.utf8.count <= 2048, url.hasPrefix("ws://") || url.hasPrefix("wss://") else {
                throw .badMessage("redirect url must be a ws:// or wss:// URL of at most 2048 bytes")
            }
            return .redirect(seq: try m.requireSeq(), url: url, node: String((try m.string("node") ?? "").prefix(256)))
        case "answer":
            return .answer(seq: try m.requireSeq(), sdp: try need(m.string("sdp"), "sdp"))
        case let other:
            throw .badMessage("unknown message type \(String(other.prefix(64)).debugDescription)")
        }
    }
}

extension ServerMessage {
    /// Ids from the server obey the rules of ids from local callers (security finding M5): they become D-Bus strings,
    /// PipeWire node names and log fields, where a NUL, a newline or 4 KiB of text would do harm. A message that
    /// breaks them is a bad message, which trtcd logs and ignores.
    static func checkedUserId(_ value: String) throws(SignalingError) -> String {
        try checked { () throws(TrtcError) in try Identifiers.userId(value) }
    }

    static func checked<T>(_ check: () throws(TrtcError) -> T) throws(SignalingError) -> T {
        do {
            return try check()
        } catch {
            throw .badMessage("invalid id from the server: \(error.message)")
        }
    }
}

