import Foundation

/// The `--config FILE` document (JSON). Flags given on the command line win over it.
public struct ServerConfigFile: Codable, Sendable {
    public struct App: Codable, Sendable {
        public var sdkAppId: UInt32
        public var secretKey: String
        /// Entering needs a privateMapKey for the room (Tencent's "advanced permission control"; docs/security.md H3).
        public var requirePrivateMapKey: Bool?
    }
    public struct Credential: Codable, Sendable { public var secretId: String; public var secretKey: String }
    /// Cluster mode (docs/cluster.md): `--cluster-db`, `--node-id`, `--signal-url`, `--media-announce`,
    /// `--node-capacity`, `--lease-ttl`.
    public struct Cluster: Codable, Sendable {
        public var database: String
        public var nodeId: String?
        public var signalURL: String?
        public var mediaAddress: String?
        public var capacity: Int?
        public var leaseTtlSeconds: Double?
    }

    public var listen: String?
    public var media: String?
    public var mediaAnnounce: String?
    public var apiRateLimit: Int?
    /// `--member-rtp-rate`, `--member-bitrate` (kbit/s), `--member-rtcp-rate`: what one member may send.
    public var memberRtpRate: Int?
    public var memberBitrateKbps: Int?
    public var memberRtcpRate: Int?
    public var apps: [App]?
    public var apiCredentials: [Credential]?
    public var stateDir: String?
    public var departureTimeoutSeconds: Double?
    public var enterTimeoutSeconds: Double?
    public var requestHeadTimeoutSeconds: Double?
    public var maxConnections: Int?
    public var maxConnectionsPerIp: Int?
    /// `--room-entries-per-minute`: distinct room entries per user and minute (room enumeration).
    public var roomEntriesPerMinute: Int?
    /// PEM certificate chain and key of the listener (`--tls-cert`, `--tls-key`).
    public var tlsCert: String?
    public var tlsKey: String?
    /// `--insecure-plaintext`: allow a non-loopback listener without TLS.
    public var insecurePlaintext: Bool?
    /// `--public-metrics`: /metrics and /healthz for every peer, not only this host's.
    public var publicMetrics: Bool?
    public var cluster: Cluster?

    public static func load(_ path: String) throws -> ServerConfigFile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ServerSetupError("cannot read config file \(path): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(ServerConfigFile.self, from: data)
        } catch {
            throw ServerSetupError("config file \(path) is not valid: \(error)")
        }
    }
}
