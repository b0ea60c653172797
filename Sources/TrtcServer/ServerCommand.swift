import ArgumentParser
import Foundation
import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization
import TrtcCore

/// `trtc-server`: flags of SPEC §5. The executable's `@main` only calls this.
public struct ServerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "trtc-server",
        abstract: "Self-hosted TRTC room service: signaling, membership, server API, media forwarding.",
        version: TrtcServerVersion.string)

    @Option(help: ArgumentHelp("HTTP address: signaling WebSocket, server API (POST /), /metrics, /healthz.", valueName: "HOST:PORT"))
    var listen: String?

    @Option(help: ArgumentHelp("UDP address for RTP/RTCP (default: the listen host, port 7801).", valueName: "HOST:PORT"))
    var media: String?

    @Option(name: .customLong("app"), help: ArgumentHelp("An application and its UserSig secret key (repeatable).", valueName: "SDKAPPID:SECRETKEY"))
    var apps: [String] = []

    @Option(name: .customLong("api-credential"), help: ArgumentHelp("A server-API credential (repeatable).", valueName: "SECRETID:SECRETKEY"))
    var apiCredentials: [String] = []

    @Option(help: ArgumentHelp("JSON configuration file; flags win over it.", valueName: "FILE"))
    var config: String?

    @Option(help: ArgumentHelp("Where the development credentials are kept (default $XDG_STATE_HOME/trtc-server).", valueName: "DIR"))
    var stateDir: String?

    @Option(help: ArgumentHelp("Seconds of silence after which a member is removed (default 5).", valueName: "SECONDS"))
    var departureTimeout: Double?

    @Option(help: ArgumentHelp(
        "Seconds a signaling connection has to enter a room after its upgrade, else it is closed with 1008 (default 10).",
        valueName: "SECONDS"))
    var enterTimeout: Double?

    @Option(help: ArgumentHelp(
        "Seconds an HTTP request head may take to arrive, from accept or the previous response (default 10).",
        valueName: "SECONDS"))
    var requestHeadTimeout: Double?

    @Option(help: ArgumentHelp("Open TCP connections the listener accepts; more are closed at once (default 20000).", valueName: "N"))
    var maxConnections: Int?

    @Option(name: .customLong("max-connections-per-ip"), help: ArgumentHelp(
        "Open TCP connections from one IPv4 address or IPv6 /64, 0 for no cap (default 256; 127.0.0.1 and ::1 are exempt).",
        valueName: "N"))
    var maxConnectionsPerIP: Int?

    @Option(help: ArgumentHelp(
        "Debugging: write every received RTP stream to DIR/<sdkAppId>-<room>-<userId>-<ssrc>.rtp (RFC 4571 framing, "
            + "as GStreamer's rtpstreamdepay reads it; string rooms as str_<percent-encoded>).", valueName: "DIR"))
    var record: String?

    @Option(name: .customLong("api-rate-limit"), help: ArgumentHelp(
        "Server-API requests per second per SecretId, RequestLimitExceeded beyond; 0 for no limit (default 20, as Tencent's).",
        valueName: "N"))
    var apiRateLimit: Int?

    @Option(name: .customLong("member-rtp-rate"), help: ArgumentHelp(
        "RTP packets per second one member may send (bursts of twice that); 0 for no limit (default 1500).", valueName: "N"))
    var memberRTPRate: Int?

    @Option(name: .customLong("member-bitrate"), help: ArgumentHelp(
        "RTP kbit/s one member may send (bursts of 2 s worth); 0 for no limit (default 10000).", valueName: "KBIT"))
    var memberBitrate: Int?

    @Option(name: .customLong("member-rtcp-rate"), help: ArgumentHelp(
        "RTCP packets per second one member may send (bursts of twice that); 0 for no limit (default 100).", valueName: "N"))
    var memberRTCPRate: Int?

    @Option(help: ArgumentHelp(
        "The media address clients are told to use, when it is not the host they reach signaling at (NAT, containers).",
        valueName: "HOST:PORT"))
    var mediaAnnounce: String?

    @Option(name: .customLong("media-announce-user"), help: ArgumentHelp(
        "Network lab: tell this userId another media address (repeatable), e.g. a relay that impairs only its media.",
        valueName: "USER=HOST:PORT"))
    var mediaAnnounceUser: [String] = []

    @Option(help: ArgumentHelp("Debugging: send a copy of every received RTP packet to this UDP address.", valueName: "HOST:PORT"))
    var mirror: String?

    @Option(help: ArgumentHelp("PEM certificate chain of the listener: serve wss:// and https:// (with --tls-key).", valueName: "FILE"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("PEM private key of --tls-cert.", valueName: "FILE"))
    var tlsKey: String?

    @Flag(help: "Allow --listen on a non-loopback address without TLS (UserSigs and API requests travel in clear).")
    var insecurePlaintext = false

    @Option(name: .customLong("require-private-map-key"), help: ArgumentHelp(
        "Entering a room of this app needs a privateMapKey, whose privileges then rule entering, publishing and receiving (repeatable).",
        valueName: "SDKAPPID"))
    var requirePrivateMapKey: [String] = []

    @Option(help: ArgumentHelp(
        "Entries per user into rooms it is not in, per minute (default 30, bursts of as many; 0: no limit).", valueName: "N"))
    var roomEntriesPerMinute: Int?

    @Flag(help: "Answer /metrics and /healthz from any address (default: only from this host).")
    var publicMetrics = false

    @Option(name: .customLong("cluster-db"), help: ArgumentHelp(
        "Cluster mode: coordinate with other nodes through this PostgreSQL database (docs/cluster.md).",
        valueName: "postgres://USER@HOST:PORT/DB"))
    var clusterDB: String?

    @Option(name: .customLong("node-id"), help: ArgumentHelp(
        "Cluster mode: this node's unique, stable name (default: the host name).", valueName: "NAME"))
    var nodeId: String?

    @Option(name: .customLong("signal-url"), help: ArgumentHelp(
        "Cluster mode: where clients reach this node's signaling, for redirects (default: the listen address).",
        valueName: "ws://HOST:PORT"))
    var signalURL: String?

    @Option(name: .customLong("node-capacity"), help: ArgumentHelp(
        "Cluster mode: users this node takes before new rooms go elsewhere; 0 for no cap (default 0).", valueName: "N"))
    var nodeCapacity: Int?

    @Option(name: .customLong("lease-ttl"), help: ArgumentHelp(
        "Cluster mode: seconds a node's lease lasts; renewed every fifth of it, fenced after four fifths (default 5).",
        valueName: "SECONDS"))
    var leaseTTL: Double?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    public init() {}

    public func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level \(logLevel.debugDescription)")
        }
        var logger = Logger(label: "trtc-server")
        logger.logLevel = level
        // One descriptor per signaling connection: the default soft limit would cap the server at ~1000 clients.
        FileDescriptorLimit.raiseToHardLimit()
        let (configuration, banner) = try makeConfiguration()
        for warning in [argvSecretWarning, configuration.plaintextWarning].compactMap({ $0 }) {
            FileHandle.standardError.write(Data("trtc-server: warning: \(warning)\n".utf8))
        }
        let started = StartedServer()
        let (services, parts) = try buildApplication(configuration, logger: logger) { port in
            let mediaPort = started.parts.withLock { $0?.mediaPort } ?? configuration.mediaPort
            let text = banner.replacingOccurrences(of: "{PORT}", with: String(port))
                .replacingOccurrences(of: "{MEDIA_PORT}", with: String(mediaPort))
            // Written straight to the descriptor: the banner must be visible at once, also when stdout is a pipe.
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }
        started.parts.withLock { $0 = parts }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Turns flags, config file and state dir into a configuration and the start-up banner.
    public func makeConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> (ServerConfiguration, String) {
        let file = try (config ?? Self.credentialConfigFile(environment)).map(ServerConfigFile.load)
        let listenAddress = try HostPort(parsing: listen ?? file?.listen ?? "127.0.0.1:7800")
        let mediaAddress = try HostPort(parsing: media ?? file?.media ?? "\(HostPort(host: listenAddress.host, port: 7801))")

        var appTable: [UInt32: String] = [:]
        for app in file?.apps ?? [] { appTable[try Identifiers.sdkAppIdChecked(Int64(app.sdkAppId))] = app.secretKey }
        for text in apps {
            let (id, key) = try Self.pair(text, "--app", "SDKAPPID:SECRETKEY")
            guard let number = Int64(id) else { throw ValidationError("--app: \(id.debugDescription) is not an sdkAppId") }
            appTable[try Identifiers.sdkAppIdChecked(number)] = key
        }
        var credentialTable: [String: String] = [:]
        for credential in file?.apiCredentials ?? [] { credentialTable[credential.secretId] = credential.secretKey }
        for text in apiCredentials {
            let (id, key) = try Self.pair(text, "--api-credential", "SECRETID:SECRETKEY")
            credentialTable[id] = key
        }

        let tls = try Self.tls(certificate: tlsCert ?? file?.tlsCert, key: tlsKey ?? file?.tlsKey)
        var plaintextWarning: String?
        if tls == nil, !ListenExposure.isLoopback(listenAddress.host) {
            guard insecurePlaintext || file?.insecurePlaintext == true else {
                throw ServerSetupError(
                    "--listen \(listenAddress) is not a loopback address: give --tls-cert and --tls-key, "
                        + "or --insecure-plaintext to send UserSigs and server-API requests in clear")
            }
            plaintextWarning = "plaintext signaling and server API on the non-loopback address \(listenAddress) "
                + "(--insecure-plaintext): UserSigs and API requests can be read and altered on the path"
        }
        let (ws, http) = tls == nil ? ("ws", "http") : ("wss", "https")
        var lines = ["trtc-server \(TrtcServerVersion.string)",
                     "  signaling   \(ws)://\(HostPort(host: listenAddress.host, port: -1))\(Signaling.path)",
                     "  server API  \(http)://\(HostPort(host: listenAddress.host, port: -1))/  (TC3-HMAC-SHA256, service trtc, version 2019-07-22)",
                     "  media       udp://\(HostPort(host: mediaAddress.host, port: -2))"]
        lines = lines.map { $0.replacingOccurrences(of: ":-1", with: ":{PORT}").replacingOccurrences(of: ":-2", with: ":{MEDIA_PORT}") }
        if appTable.isEmpty || credentialTable.isEmpty {
            let dir = stateDir ?? file?.stateDir
            let stateURL = dir.map { URL(fileURLWithPath: $0) } ?? DevelopmentCredentials.defaultStateDir(environment: environment)
            let (dev, created) = try DevelopmentCredentials.loadOrCreate(stateDir: stateURL)
            // The keys are printed only when they are made: the banner usually ends in a journal (security M2).
            lines.append("  development credentials (kept in \(stateURL.path)/credentials.json)"
                + (created ? ", made now; the keys are printed only this once:" : "; keys not printed again:"))
            if appTable.isEmpty {
                appTable[dev.sdkAppId] = dev.secretKey
                lines.append("    sdkAppId   \(dev.sdkAppId)")
                if created { lines.append("    secretKey  \(dev.secretKey)") }
            }
            if credentialTable.isEmpty {
                credentialTable[dev.secretId] = dev.apiSecretKey
                lines.append("    SecretId   \(dev.secretId)")
                if created { lines.append("    SecretKey  \(dev.apiSecretKey)") }
            }
        }
        // The file's apps and the flags; an --app flag for an app of the file replaces its key, not its rules.
        var requiringKey = Set((file?.apps ?? []).filter { $0.requirePrivateMapKey == true }.map(\.sdkAppId))
        for text in requirePrivateMapKey {
            guard let number = Int64(text) else {
                throw ValidationError("--require-private-map-key: \(text.debugDescription) is not an sdkAppId")
            }
            requiringKey.insert(try Identifiers.sdkAppIdChecked(number))
        }
        if let unknown = requiringKey.subtracting(appTable.keys).min() {
            throw ValidationError("--require-private-map-key: sdkAppId \(unknown) is not an application of this server")
        }
        if !requiringKey.isEmpty {
            lines.append("  privateMapKey required: \(requiringKey.sorted().map(String.init).joined(separator: ", "))")
        }
        lines.append("  applications: \(appTable.keys.sorted().map(String.init).joined(separator: ", "))")
        let roomEntries = roomEntriesPerMinute ?? file?.roomEntriesPerMinute ?? 30
        guard roomEntries >= 0 else { throw ValidationError("--room-entries-per-minute must be 0 (no limit) or more") }

        let departure = try Self.seconds(departureTimeout ?? file?.departureTimeoutSeconds ?? 5, "--departure-timeout")
        let enter = try Self.seconds(enterTimeout ?? file?.enterTimeoutSeconds ?? 10, "--enter-timeout")
        let requestHead = try Self.seconds(requestHeadTimeout ?? file?.requestHeadTimeoutSeconds ?? 10, "--request-head-timeout")
        let connectionCap = maxConnections ?? file?.maxConnections ?? 20_000
        guard connectionCap > 0 else { throw ValidationError("--max-connections must be at least 1") }
        let perIPCap = maxConnectionsPerIP ?? file?.maxConnectionsPerIp ?? 256
        guard perIPCap >= 0 else { throw ValidationError("--max-connections-per-ip must be 0 (no cap) or more") }
        let mirrorAddress = try mirror.map { text in
            do { return try HostPort(parsing: text) } catch { throw ValidationError("--mirror: \(error)") }
        }
        let apiRate = apiRateLimit ?? file?.apiRateLimit ?? 20
        guard apiRate >= 0 else { throw ValidationError("--api-rate-limit must be 0 (no limit) or more") }
        let clusterFile = file?.cluster
        let announce = try (mediaAnnounce ?? file?.mediaAnnounce ?? clusterFile?.mediaAddress).map { text in
            do { return try HostPort(parsing: text) } catch { throw ValidationError("--media-announce: \(error)") }
        }
        if let announce { lines.append("  announced   udp://\(announce)") }
        if let record { lines.append("  recording   RTP to \(record)/") }
        if let mirrorAddress { lines.append("  mirroring   RTP to udp://\(mirrorAddress)") }
        var configuration = ServerConfiguration(
            listenHost: listenAddress.host, listenPort: listenAddress.port, mediaHost: mediaAddress.host,
            mediaPort: mediaAddress.port, apps: appTable, apiCredentials: credentialTable,
            departureTimeout: departure, apiRequestsPerSecond: apiRate, enterTimeout: enter, requestHeadTimeout: requestHead,
            maxConnections: connectionCap, maxConnectionsPerIP: perIPCap, recordDirectory: record, mirror: mirrorAddress,
            mediaAnnounce: announce, tls: tls, plaintextWarning: plaintextWarning)
        for entry in mediaAnnounceUser {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ValidationError("--media-announce-user: \(entry) is not USER=HOST:PORT")
            }
            do {
                configuration.mediaAnnounceByUser[String(entry[..<equals])] = try HostPort(parsing: String(entry[entry.index(after: equals)...]))
            } catch {
                throw ValidationError("--media-announce-user: \(error)")
            }
        }
        configuration.appsRequiringPrivateMapKey = requiringKey
        configuration.roomEntriesPerMinute = roomEntries
        configuration.publicMetrics = publicMetrics || file?.publicMetrics == true
        let standard = MemberMediaLimits.standard
        let memberLimits = MemberMediaLimits(
            rtpPacketsPerSecond: memberRTPRate ?? file?.memberRtpRate ?? standard.rtpPacketsPerSecond,
            rtpBitsPerSecond: (memberBitrate ?? file?.memberBitrateKbps ?? standard.rtpBitsPerSecond / 1000) * 1000,
            rtcpPacketsPerSecond: memberRTCPRate ?? file?.memberRtcpRate ?? standard.rtcpPacketsPerSecond)
        guard memberLimits.rtpPacketsPerSecond >= 0, memberLimits.rtpBitsPerSecond >= 0, memberLimits.rtcpPacketsPerSecond >= 0 else {
            throw ValidationError("--member-rtp-rate, --member-bitrate and --member-rtcp-rate must be 0 (no limit) or more")
        }
        configuration.memberMediaLimits = memberLimits
        if let database = clusterDB ?? clusterFile?.database {
            let url = try PostgresURL(parsing: database)
            let node = nodeId ?? clusterFile?.nodeId ?? ProcessInfo.processInfo.hostName
            guard !node.isEmpty, node.utf8.count <= 128 else { throw ValidationError("--node-id must be 1 to 128 bytes") }
            let signal = signalURL ?? clusterFile?.signalURL
            if let signal, !(signal.hasPrefix("ws://") || signal.hasPrefix("wss://")) {
                throw ValidationError("--signal-url must be a ws:// or wss:// URL")
            }
            if signal == nil, ["0.0.0.0", "::"].contains(listenAddress.host) {
                throw ValidationError("--listen \(listenAddress) is a wildcard address: give --signal-url, where clients reach this node")
            }
            let capacity = nodeCapacity ?? clusterFile?.capacity ?? 0
            guard capacity >= 0 else { throw ValidationError("--node-capacity must be 0 (no cap) or more") }
            let ttl = leaseTTL ?? clusterFile?.leaseTtlSeconds ?? 5
            guard ttl >= 0.5, ttl <= 600 else { throw ValidationError("--lease-ttl must be 0.5 to 600 seconds") }
            configuration.cluster = ClusterConfiguration(
                database: url, nodeId: node, signalURL: signal, capacity: capacity, leaseTTL: .milliseconds(Int64(ttl * 1000)))
            lines.append("  cluster     node \(node), \(url), lease \(ttl) s")
        }
        return (configuration, lines.joined(separator: "\n"))
    }

    /// The configuration file systemd hands over as a credential (`LoadCredential=trtc-server.json` in the system
    /// unit): used when `--config` is not given, so that secrets never need to be on the command line.
    static func credentialConfigFile(_ environment: [String: String]) -> String? {
        guard let directory = environment["CREDENTIALS_DIRECTORY"], !directory.isEmpty else { return nil }
        let path = URL(fileURLWithPath: directory).appendingPathComponent(credentialName).path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The credential's name (its file in `$CREDENTIALS_DIRECTORY`).
    public static let credentialName = "trtc-server.json"

    /// Secrets given as flags are readable by every local user (ps, /proc/PID/cmdline): said at start-up.
    public var argvSecretWarning: String? {
        let flags = (apps.isEmpty ? [] : ["--app"]) + (apiCredentials.isEmpty ? [] : ["--api-credential"])
        guard !flags.isEmpty else { return nil }
        return "\(flags.joined(separator: " and ")) put secret keys on the command line, where every local user can read "
            + "them (ps); use --config FILE (mode 0600) or the \(Self.credentialName) credential instead"
    }

    /// Both of `--tls-cert` and `--tls-key`, or neither.
    private static func tls(certificate: String?, key: String?) throws -> NIOSSLContext? {
        switch (certificate, key) {
        case (nil, nil): return nil
        case (let certificate?, let key?): return try ServerTLS.context(certificateFile: certificate, keyFile: key)
        case (nil, _): throw ValidationError("--tls-key needs --tls-cert")
        case (_, nil): throw ValidationError("--tls-cert needs --tls-key")
        }
    }

    /// A timeout flag's value: 0 < s ≤ 3600, fractions allowed.
    private static func seconds(_ value: Double, _ flag: String) throws -> Duration {
        guard value > 0, value <= 3600 else { throw ValidationError("\(flag) must be between 0 and 3600 seconds") }
        return .milliseconds(Int64(value * 1000))
    }

    private static func pair(_ text: String, _ flag: String, _ shape: String) throws -> (String, String) {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex else {
            throw ValidationError("\(flag) takes \(shape), not \(text.debugDescription)")
        }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}

extension Identifiers {
    /// sdkAppId validation for configuration, reported as a usage error.
    static func sdkAppIdChecked(_ value: Int64) throws -> UInt32 {
        do {
            return try sdkAppId(value)
        } catch {
            throw ValidationError(error.description)
        }
    }
}


/// What the start-up banner needs to know once the sockets are bound.
private final class StartedServer: Sendable {
    let parts = Mutex<TrtcServerParts?>(nil)
}
