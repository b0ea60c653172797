import TrtcDBus

/// The `Statistics` signal's and property's `a{sv}` (docs/spec.md, "Statistics"), after TRTC's `TRTCStatistics`
/// (onStatistics): every field a `u` unless said otherwise, rates over the last interval (about 2 s), losses in
/// percent (0–100). Clients ignore keys they do not know; a missing key reads as 0 (or absent for the optional ones).
public struct RoomStatistics: Sendable, Equatable {
    /// The CPU this daemon used over the interval, percent of all cores (TRTC's appCpu); nil when not measured.
    public var appCpu: UInt32?
    /// The whole system's CPU use over the interval, percent (TRTC's systemCpu); nil when not measured.
    public var systemCpu: UInt32?
    /// Round trip trtcd ↔ trtc-server in ms, rounded up (so a measured one is ≥ 1); 0 = not measured yet.
    public var rtt: UInt32 = 0
    /// Loss of what we send, as the receivers of our streams report it (RTCP), 0 when nobody reported.
    public var upLoss: UInt32 = 0
    /// Loss of what we receive (all remote streams: expected vs received), 0 when nothing is received.
    public var downLoss: UInt32 = 0
    /// Media bytes (SRTP datagrams) sent and received since entering the room (`t`).
    public var sentBytes: UInt64 = 0
    public var receivedBytes: UInt64 = 0
    public var sentKbps: UInt32 = 0
    public var receivedKbps: UInt32 = 0
    /// What the uplink can carry by the send-side estimator (kbit/s, all our streams), 0 while not in a session.
    public var sendEstimateKbps: UInt32 = 0
    /// The most our video may use because every receiver of it is behind a narrower downlink (kbit/s of RTP, the
    /// server's RTCP REMB); 0 while nothing limits it.
    public var receiverLimitKbps: UInt32 = 0
    public var local: [Local] = []
    public var remote: [Remote] = []

    /// One local stream (TRTCLocalStatistics); today only `main` (camera and microphone).
    public struct Local: Sendable, Equatable {
        public var streamType = "main"
        public var width: UInt32 = 0
        public var height: UInt32 = 0
        /// Frames encoded and sent per second.
        public var frameRate: UInt32 = 0
        public var videoBitrate: UInt32 = 0
        /// 48000 while sending audio, else 0.
        public var audioSampleRate: UInt32 = 0
        public var audioBitrate: UInt32 = 0
        /// Camera frames dropped in the interval because the encoder was behind.
        public var framesDropped: UInt32 = 0
        /// The video encoder's bitrate target now (kbit/s): the application's, or less when the estimate is lower.
        public var videoTargetBitrate: UInt32 = 0

        public init(streamType: String = "main") { self.streamType = streamType }
    }

    /// One remote user's stream (TRTCRemoteStatistics).
    public struct Remote: Sendable, Equatable {
        public var userId: String
        public var streamType = "main"
        /// Size of the last picture decoded; 0 while the video is not shown (StartRemoteVideo decodes it).
        public var width: UInt32 = 0
        public var height: UInt32 = 0
        /// Pictures decoded and shown per second (0 while not shown).
        public var frameRate: UInt32 = 0
        public var videoBitrate: UInt32 = 0
        public var audioSampleRate: UInt32 = 0
        public var audioBitrate: UInt32 = 0
        /// Loss of this user's video / audio / both as it reaches us (publisher → server → us, after retransmissions).
        public var videoPacketLoss: UInt32 = 0
        public var audioPacketLoss: UInt32 = 0
        public var finalLoss: UInt32 = 0
        /// Freezes since the video was first shown (WebRTC's freezeCount), their total duration in ms
        /// (videoTotalBlockTime) and that duration's share of the time shown in percent (videoBlockRate).
        public var videoFreezeCount: UInt32 = 0
        public var videoTotalBlockTime: UInt32 = 0
        public var videoBlockRate: UInt32 = 0
        /// TRTC's playback delay (ms): the larger of the video and the audio jitter buffer's delay.
        public var jitterBufferDelay: UInt32 = 0
        /// The video jitter buffer's current delay and the audio one's target (ms); 0 while not shown / not played.
        public var videoJitterBufferDelay: UInt32 = 0
        public var audioJitterBufferDelay: UInt32 = 0
        /// Counts since the video was shown (cumulative; 0 while not shown): decode errors, complete frames dropped
        /// because a frame they reference was lost (never given to the decoder), RTCP NACK messages sent, sequence
        /// numbers asked for (repeats included) and the repeats among them, asked-for packets that came back, PLIs
        /// sent, key frames decoded.
        public var videoDecoderErrors: UInt32 = 0
        public var videoFramesMissingReference: UInt32 = 0
        public var videoNacksSent: UInt32 = 0
        public var videoNackRequests: UInt32 = 0
        public var videoNackRetries: UInt32 = 0
        public var videoRetransmissionsReceived: UInt32 = 0
        public var videoPlisSent: UInt32 = 0
        public var videoKeyFramesDecoded: UInt32 = 0
        /// Audio samples played since the stream started (`t`, cumulative), those concealed (PLC, silence while the
        /// buffer ran dry), and those of lost packets rebuilt from in-band FEC (decoded audio, not concealed).
        public var audioTotalSamples: UInt64 = 0
        public var audioConcealedSamples: UInt64 = 0
        public var audioFecSamples: UInt64 = 0
        /// How many temporal layers of this user's video reach us now (1: the base layer only, which the server
        /// forwards while our downlink is too narrow for the whole stream); 0 while not shown or without layers.
        public var receivedTemporalLayers: UInt32 = 0

        public init(userId: String, streamType: String = "main") {
            self.userId = userId
            self.streamType = streamType
        }
    }

    public init() {}

    /// The keys of the top level, of a `localArray` entry and of a `remoteArray` entry, as the spec lists them.
    public static let keys = [
        "appCpu", "systemCpu", "rtt", "upLoss", "downLoss", "sentBytes", "receivedBytes", "sentKbps", "receivedKbps",
        "sendEstimateKbps", "receiverLimitKbps", "localArray", "remoteArray",
    ]
    public static let localKeys = [
        "streamType", "width", "height", "frameRate", "videoBitrate", "audioSampleRate", "audioBitrate", "framesDropped",
        "videoTargetBitrate",
    ]
    public static let remoteKeys = [
        "userId", "streamType", "width", "height", "frameRate", "videoBitrate", "audioSampleRate", "audioBitrate",
        "videoPacketLoss", "audioPacketLoss", "finalLoss", "videoFreezeCount", "videoTotalBlockTime", "videoBlockRate",
        "jitterBufferDelay", "videoJitterBufferDelay", "audioJitterBufferDelay", "videoDecoderErrors", "videoFramesMissingReference",
        "videoNacksSent", "videoNackRequests", "videoNackRetries", "videoRetransmissionsReceived", "videoPlisSent",
        "videoKeyFramesDecoded", "audioTotalSamples", "audioConcealedSamples", "audioFecSamples", "receivedTemporalLayers",
    ]

    static let entryType = DBusType.dictionary(key: .string, value: .variant)

    /// The `a{sv}` value (keys sorted; optional fields only when measured).
    public var dictionary: DBusValue {
        var entries: [String: DBusValue] = [
            "rtt": .uint32(rtt), "upLoss": .uint32(upLoss), "downLoss": .uint32(downLoss),
            "sentBytes": .uint64(sentBytes), "receivedBytes": .uint64(receivedBytes),
            "sentKbps": .uint32(sentKbps), "receivedKbps": .uint32(receivedKbps), "sendEstimateKbps": .uint32(sendEstimateKbps),
            "receiverLimitKbps": .uint32(receiverLimitKbps),
            "localArray": .array(Self.entryType, local.map(\.dictionary)),
            "remoteArray": .array(Self.entryType, remote.map(\.dictionary)),
        ]
        if let appCpu { entries["appCpu"] = .uint32(appCpu) }
        if let systemCpu { entries["systemCpu"] = .uint32(systemCpu) }
        return .variantDictionary(entries)
    }

    /// Reads a received `a{sv}` back; missing numbers are 0. Throws when a known key has another type.
    public init(_ values: [String: DBusValue]) throws(DBusError) {
        let reader = Reader(values)
        appCpu = try reader.optionalUnsigned("appCpu")
        systemCpu = try reader.optionalUnsigned("systemCpu")
        rtt = try reader.unsigned("rtt")
        upLoss = try reader.unsigned("upLoss")
        downLoss = try reader.unsigned("downLoss")
        sentBytes = try reader.unsigned64("sentBytes")
        receivedBytes = try reader.unsigned64("receivedBytes")
        sentKbps = try reader.unsigned("sentKbps")
        receivedKbps = try reader.unsigned("receivedKbps")
        sendEstimateKbps = try reader.unsigned("sendEstimateKbps")
        receiverLimitKbps = try reader.unsigned("receiverLimitKbps")
        local = try reader.entries("localArray").map { values throws(DBusError) in
            let entry = Reader(values)
            var local = Local(streamType: try entry.string("streamType") ?? "main")
            local.width = try entry.unsigned("width")
            local.height = try entry.unsigned("height")
            local.frameRate = try entry.unsigned("frameRate")
            local.videoBitrate = try entry.unsigned("videoBitrate")
            local.audioSampleRate = try entry.unsigned("audioSampleRate")
            local.audioBitrate = try entry.unsigned("audioBitrate")
            local.framesDropped = try entry.unsigned("framesDropped")
            local.videoTargetBitrate = try entry.unsigned("videoTargetBitrate")
            return local
        }
        remote = try reader.entries("remoteArray").map { values throws(DBusError) in
            let entry = Reader(values)
            var remote = Remote(userId: try entry.string("userId") ?? "", streamType: try entry.string("streamType") ?? "main")
            remote.width = try entry.unsigned("width")
            remote.height = try entry.unsigned("height")
            remote.frameRate = try entry.unsigned("frameRate")
            remote.videoBitrate = try entry.unsigned("videoBitrate")
            remote.audioSampleRate = try entry.unsigned("audioSampleRate")
            remote.audioBitrate = try entry.unsigned("audioBitrate")
            remote.videoPacketLoss = try entry.unsigned("videoPacketLoss")
            remote.audioPacketLoss = try entry.unsigned("audioPacketLoss")
            remote.finalLoss = try entry.unsigned("finalLoss")
            remote.videoFreezeCount = try entry.unsigned("videoFreezeCount")
            remote.videoTotalBlockTime = try entry.unsigned("videoTotalBlockTime")
            remote.videoBlockRate = try entry.unsigned("videoBlockRate")
            remote.jitterBufferDelay = try entry.unsigned("jitterBufferDelay")
            remote.videoJitterBufferDelay = try entry.unsigned("videoJitterBufferDelay")
            remote.audioJitterBufferDelay = try entry.unsigned("audioJitterBufferDelay")
            remote.videoDecoderErrors = try entry.unsigned("videoDecoderErrors")
            remote.videoFramesMissingReference = try entry.unsigned("videoFramesMissingReference")
            remote.videoNacksSent = try entry.unsigned("videoNacksSent")
            remote.videoNackRequests = try entry.unsigned("videoNackRequests")
            remote.videoNackRetries = try entry.unsigned("videoNackRetries")
            remote.videoRetransmissionsReceived = try entry.unsigned("videoRetransmissionsReceived")
            remote.videoPlisSent = try entry.unsigned("videoPlisSent")
            remote.videoKeyFramesDecoded = try entry.unsigned("videoKeyFramesDecoded")
            remote.audioTotalSamples = try entry.unsigned64("audioTotalSamples")
            remote.audioConcealedSamples = try entry.unsigned64("audioConcealedSamples")
            remote.audioFecSamples = try entry.unsigned64("audioFecSamples")
            remote.receivedTemporalLayers = try entry.unsigned("receivedTemporalLayers")
            return remote
        }
    }

    private struct Reader {
        let values: [String: DBusValue]

        init(_ values: [String: DBusValue]) { self.values = values }

        func optionalUnsigned(_ key: String) throws(DBusError) -> UInt32? {
            guard let value = values[key]?.unwrappedVariant else { return nil }
            guard let number = value.uint32 else { throw Self.mismatch(key, "u", value) }
            return number
        }

        func unsigned(_ key: String) throws(DBusError) -> UInt32 { try optionalUnsigned(key) ?? 0 }

        func unsigned64(_ key: String) throws(DBusError) -> UInt64 {
            guard let value = values[key]?.unwrappedVariant else { return 0 }
            guard let number = value.uint64 else { throw Self.mismatch(key, "t", value) }
            return number
        }

        func string(_ key: String) throws(DBusError) -> String? {
            guard let value = values[key]?.unwrappedVariant else { return nil }
            guard let text = value.string else { throw Self.mismatch(key, "s", value) }
            return text
        }

        func entries(_ key: String) throws(DBusError) -> [[String: DBusValue]] {
            guard let value = values[key]?.unwrappedVariant else { return [] }
            guard let elements = value.array else { throw Self.mismatch(key, "aa{sv}", value) }
            var result: [[String: DBusValue]] = []
            for element in elements {
                guard let entry = element.stringKeyedDictionary else { throw Self.mismatch(key, "aa{sv}", value) }
                result.append(entry)
            }
            return result
        }

        static func mismatch(_ key: String, _ expected: String, _ value: DBusValue) -> DBusError {
            DBusError(name: DBusError.invalidArgsName, message: "Statistics: '\(key)' has type '\(value.signature)', not '\(expected)'")
        }
    }
}

extension RoomStatistics.Local {
    var dictionary: DBusValue {
        .variantDictionary([
            "streamType": .string(streamType), "width": .uint32(width), "height": .uint32(height),
            "frameRate": .uint32(frameRate), "videoBitrate": .uint32(videoBitrate),
            "audioSampleRate": .uint32(audioSampleRate), "audioBitrate": .uint32(audioBitrate),
            "framesDropped": .uint32(framesDropped), "videoTargetBitrate": .uint32(videoTargetBitrate),
        ])
    }
}

extension RoomStatistics.Remote {
    var dictionary: DBusValue {
        .variantDictionary([
            "userId": .string(userId), "streamType": .string(streamType), "width": .uint32(width), "height": .uint32(height),
            "frameRate": .uint32(frameRate), "videoBitrate": .uint32(videoBitrate),
            "audioSampleRate": .uint32(audioSampleRate), "audioBitrate": .uint32(audioBitrate),
            "videoPacketLoss": .uint32(videoPacketLoss), "audioPacketLoss": .uint32(audioPacketLoss),
            "finalLoss": .uint32(finalLoss), "videoFreezeCount": .uint32(videoFreezeCount),
            "videoTotalBlockTime": .uint32(videoTotalBlockTime), "videoBlockRate": .uint32(videoBlockRate),
            "jitterBufferDelay": .uint32(jitterBufferDelay), "videoJitterBufferDelay": .uint32(videoJitterBufferDelay),
            "audioJitterBufferDelay": .uint32(audioJitterBufferDelay), "videoDecoderErrors": .uint32(videoDecoderErrors),
            "videoFramesMissingReference": .uint32(videoFramesMissingReference), "videoNacksSent": .uint32(videoNacksSent),
            "videoNackRequests": .uint32(videoNackRequests), "videoNackRetries": .uint32(videoNackRetries),
            "videoRetransmissionsReceived": .uint32(videoRetransmissionsReceived), "videoPlisSent": .uint32(videoPlisSent),
            "videoKeyFramesDecoded": .uint32(videoKeyFramesDecoded), "audioTotalSamples": .uint64(audioTotalSamples),
            "audioConcealedSamples": .uint64(audioConcealedSamples), "audioFecSamples": .uint64(audioFecSamples),
            "receivedTemporalLayers": .uint32(receivedTemporalLayers),
        ])
    }
}
