/// Where and how a session sends RTP: handed out in `entered` (docs/protocol.md, "Media").
public struct MediaGrant: Sendable, Equatable {
    /// UDP host and port of the server's media socket.
    public var host: String
    public var port: UInt16
    /// Per-session secret (hex, 32 characters = 16 bytes) that binds the client's UDP address to the session.
    public var token: String
    /// SSRCs this session must use, unique within the room so the SFU forwards without rewriting.
    public var audioSsrc: UInt32
    public var videoSsrc: UInt32

    public init(host: String, port: UInt16, token: String, audioSsrc: UInt32, videoSsrc: UInt32) {
        self.host = host
        self.port = port
        self.token = token
        self.audioSsrc = audioSsrc
        self.videoSsrc = videoSsrc
    }

    var json: JSONValue {
        .object([
            "host": .string(host), "port": .integer(Int64(port)), "token": .string(token),
            "audioSsrc": .integer(Int64(audioSsrc)), "videoSsrc": .integer(Int64(videoSsrc)),
        ])
    }

    init(_ value: JSONValue) throws(SignalingError) {
        let fields = try MessageFields(value)
        guard let host = try fields.string("host"), let port = try fields.integer("port").flatMap({ UInt16(exactly: $0) }),
              let token = try fields.string("token"),
              let audio = try fields.integer("audioSsrc").flatMap({ UInt32(exactly: $0) }),
              let video = try fields.integer("videoSsrc").flatMap({ UInt32(exactly: $0) })
        else { throw .badMessage("incomplete media grant") }
        self.init(host: host, port: port, token: token, audioSsrc: audio, videoSsrc: video)
    }
}
