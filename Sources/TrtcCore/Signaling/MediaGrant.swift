/// Where and how a session sends media: handed out in `entered` (docs/protocol.md, "Media").
/// The client checks connectivity with the ICE credentials, then runs DTLS with the server and verifies that the
/// server's certificate has `fingerprint`; SRTP keys come from that handshake.
public struct MediaGrant: Sendable, Equatable {
    /// UDP host and port of the server's media socket.
    public var host: String
    public var port: UInt16
    /// The server's ICE-lite credentials for this session: checks carry USERNAME `ufrag:<client ufrag>` and are
    /// signed with `password`.
    public var ufrag: String
    public var password: String
    /// The server's DTLS certificate fingerprint, "sha-256 AB:CD:…".
    public var fingerprint: String
    /// SSRCs this session must use, unique within the room so the SFU forwards without rewriting.
    public var audioSsrc: UInt32
    public var videoSsrc: UInt32

    public init(host: String, port: UInt16, ufrag: String, password: String, fingerprint: String,
                audioSsrc: UInt32, videoSsrc: UInt32) {
        self.host = host
        self.port = port
        self.ufrag = ufrag
        self.password = password
        self.fingerprint = fingerprint
        self.audioSsrc = audioSsrc
        self.videoSsrc = videoSsrc
    }

    var json: JSONValue {
        .object([
            "host": .string(host), "port": .integer(Int64(port)), "ufrag": .string(ufrag),
            "password": .string(password), "fingerprint": .string(fingerprint),
            "audioSsrc": .integer(Int64(audioSsrc)), "videoSsrc": .integer(Int64(videoSsrc)),
        ])
    }

    init(_ value: JSONValue) throws(SignalingError) {
        let fields = try MessageFields(value)
        guard let host = try fields.string("host"), let port = try fields.integer("port").flatMap({ UInt16(exactly: $0) }),
              let ufrag = try fields.string("ufrag"), let password = try fields.string("password"),
              let fingerprint = try fields.string("fingerprint"),
              let audio = try fields.integer("audioSsrc").flatMap({ UInt32(exactly: $0) }),
              let video = try fields.integer("videoSsrc").flatMap({ UInt32(exactly: $0) })
        else { throw .badMessage("incomplete media grant") }
        self.init(host: host, port: port, ufrag: ufrag, password: password, fingerprint: fingerprint,
                  audioSsrc: audio, videoSsrc: video)
    }
}

/// What a client offers for its media connection in `enter`: its ICE ufrag (the second half of every check's
/// USERNAME) and its DTLS certificate fingerprint, which the server requires of the DTLS client.
/// Without an offer a session is a member (signaling only) with no media connection.
public struct MediaOffer: Sendable, Equatable {
    public var ufrag: String
    public var fingerprint: String

    public init(ufrag: String, fingerprint: String) {
        self.ufrag = ufrag
        self.fingerprint = fingerprint
    }

    var json: JSONValue { .object(["ufrag": .string(ufrag), "fingerprint": .string(fingerprint)]) }

    init(_ value: JSONValue, seq: UInt32) throws(SignalingError) {
        let fields = try MessageFields(value)
        guard let ufrag = try fields.string("ufrag"), let fingerprint = try fields.string("fingerprint") else {
            throw .badMessage("media needs ufrag and fingerprint", seq: seq)
        }
        self.init(ufrag: ufrag, fingerprint: fingerprint)
    }
}
