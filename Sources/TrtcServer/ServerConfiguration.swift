import NIOSSL
import TrtcCore

/// Everything trtc-server is told at start-up (flags, config file, state dir), already validated.
public struct ServerConfiguration: Sendable {
    public var listenHost: String
    /// 0 picks a free port (tests, benchmarks).
    public var listenPort: Int
    /// Host the media socket binds to and that clients are told to send RTP to.
    public var mediaHost: String
    public var mediaPort: Int
    /// `--media-announce HOST:PORT`: what clients are told to send media to when it is not where the server
    /// listens (NAT, containers). Without it they use the host they reach signaling at (docs/protocol.md §2).
    public var mediaAnnounce: HostPort?
    /// `--media-announce-user USER=HOST:PORT` (network lab): the media address told to that userId instead, so one
    /// member's media can cross its own impairment relay (docs/network-lab.md).
    public var mediaAnnounceByUser: [String: HostPort] = [:]
    /// sdkAppId → secret key (UserSig verification).
    public var apps: [UInt32: String]
    /// Apps whose rooms need a privateMapKey to enter (config `requirePrivateMapKey`); entering, publishing and
    /// receiving then follow its privilege bits. A key given to another app's room is checked and honoured too.
    public var appsRequiringPrivateMapKey: Set<UInt32> = []
    /// Entries per user (sdkAppId + userId) into rooms it is not in, per minute, in bursts of the same number; more
    /// are refused, so that one UserSig cannot walk the room space (room enumeration, docs/security.md H3). 0: no limit.
    public var roomEntriesPerMinute = 30
    /// SecretId → SecretKey (TC3 verification of the server API).
    public var apiCredentials: [String: String]
    /// A member silent for longer than this is removed and the others are told reason 1.
    public var departureTimeout: Duration
    /// How much the server's clock may differ from an API request's X-TC-Timestamp.
    public var apiTimestampTolerance: Int
    /// Largest server-API request body.
    public var maxAPIBodyBytes: Int
    /// Room state changes (enter, publish, switchRole) per second per signaling session, bursts of twice that;
    /// more are refused. 0 for no limit (tests that use toggles as a traffic source).
    public var stateChangesPerSecond = 10
    /// What each member may send the SFU (`--member-rtp-rate`, `--member-bitrate`, `--member-rtcp-rate`); beyond it
    /// packets are dropped and counted (`rate-limited`).
    public var memberMediaLimits = MemberMediaLimits.standard
    /// `--public-metrics`: /metrics and /healthz answer every peer; otherwise only peers on this host (security L1).
    public var publicMetrics = false
    /// Server-API requests per second per SecretId (`RequestLimitExceeded` beyond); 0 for no limit.
    public var apiRequestsPerSecond: Int
    /// Messages a slow client may have queued before it is disconnected.
    public var maxQueuedMessagesPerSession: Int
    /// The kernel send buffer of each signaling connection (SO_SNDBUF). Fixed rather than autotuned (up to 4 MiB on
    /// Linux), so that a client that stops reading holds a bounded amount of kernel memory and is noticed.
    public var signalingSendBufferBytes: Int
    /// A signaling connection that has not entered a room this long after its upgrade is closed (1008), however
    /// busy it keeps the connection: before `enter` nothing it sends counts as a sign of life.
    public var enterTimeout: Duration
    /// An HTTP request head (the upgrade's too) must arrive this long after the connection was accepted or the
    /// previous response was sent, else the connection is closed (slowloris; idle keep-alive connections).
    public var requestHeadTimeout: Duration
    /// Open TCP connections on the listener (signaling, server API, metrics); more are closed at accept.
    public var maxConnections: Int
    /// Open TCP connections from one IPv4 address or IPv6 /64; 0 for no such cap. 127.0.0.1 and ::1 (a reverse proxy
    /// or tools on the same host) count toward `maxConnections` only.
    public var maxConnectionsPerIP: Int
    /// `--record DIR`: every accepted RTP packet is also written to DIR (RFC 4571 files, see MediaRecorder).
    public var recordDirectory: String?
    /// `--mirror HOST:PORT`: every accepted RTP packet is also sent there.
    public var mirror: HostPort?
    /// `--tls-cert`/`--tls-key`: the listener speaks TLS only (`wss://`, `https://`); nil: plaintext.
    public var tls: NIOSSLContext?
    /// Cluster mode (`--cluster-db`, config `cluster`): rooms placed across nodes through PostgreSQL. nil: the
    /// embedded single node, with no database.
    public var cluster: ClusterConfiguration?
    /// Set when plaintext was allowed on a non-loopback address (`--insecure-plaintext`): logged at start-up and
    /// reported by /healthz, so nobody runs it that way unknowingly.
    public var plaintextWarning: String?

    public init(listenHost: String = "127.0.0.1", listenPort: Int = 7800, mediaHost: String? = nil, mediaPort: Int = 7801,
                apps: [UInt32: String] = [:], apiCredentials: [String: String] = [:],
                departureTimeout: Duration = .seconds(5), apiTimestampTolerance: Int = 300,
                maxAPIBodyBytes: Int = 64 * 1024, apiRequestsPerSecond: Int = 20, maxQueuedMessagesPerSession: Int = 1024,
                signalingSendBufferBytes: Int = 64 * 1024, enterTimeout: Duration = .seconds(10),
                requestHeadTimeout: Duration = .seconds(10), maxConnections: Int = 20_000, maxConnectionsPerIP: Int = 256,
                recordDirectory: String? = nil, mirror: HostPort? = nil, mediaAnnounce: HostPort? = nil,
                tls: NIOSSLContext? = nil, plaintextWarning: String? = nil) {
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.mediaHost = mediaHost ?? listenHost
        self.mediaPort = mediaPort
        self.apps = apps
        self.apiCredentials = apiCredentials
        self.departureTimeout = departureTimeout
        self.apiTimestampTolerance = apiTimestampTolerance
        self.maxAPIBodyBytes = maxAPIBodyBytes
        self.apiRequestsPerSecond = apiRequestsPerSecond
        self.maxQueuedMessagesPerSession = maxQueuedMessagesPerSession
        self.signalingSendBufferBytes = signalingSendBufferBytes
        self.enterTimeout = enterTimeout
        self.requestHeadTimeout = requestHeadTimeout
        self.maxConnections = maxConnections
        self.maxConnectionsPerIP = maxConnectionsPerIP
        self.recordDirectory = recordDirectory
        self.mirror = mirror
        self.mediaAnnounce = mediaAnnounce
        self.tls = tls
        self.plaintextWarning = plaintextWarning
    }

    var departureTimeoutMs: Int64 {
        let (seconds, attoseconds) = departureTimeout.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Clients send a heartbeat this often: four chances before the departure timeout.
    var heartbeatIntervalMs: Int64 { max(100, departureTimeoutMs / 4) }
}
