import Foundation
import Logging
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting

/// The trtc-server executable configured by a file, by repeated flags and by nothing (docs/spec.md §5).
@Suite("trtc-server configuration: --config, repeated --app/--api-credential, --mirror, defaults", .serialized)
struct ServerConfigurationTests {
    /// A trtc-server process started with exactly `arguments` (plus `--log-level warning`), and its banner.
    struct Started {
        let process: ChildProcess
        let banner: [String]

        /// The banner line starting with `label` (after indentation), without the label.
        func value(_ label: String) -> String? {
            banner.lazy.map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix(label + " ") }
                .map { $0.dropFirst(label.count).trimmingCharacters(in: .whitespaces) }
        }

        /// `ws://HOST:PORT` from the signaling line.
        var url: String {
            get throws {
                guard let signaling = value("signaling"), let match = signaling.wholeMatch(of: /(ws:\/\/[^\/]+)\/trtc\/v1\/signal/) else {
                    throw TestFailure("no signaling line in \(banner)")
                }
                return String(match.1)
            }
        }

        var endpoint: String { get throws { try url.replacingOccurrences(of: "ws://", with: "http://") } }

        func stop() async { await process.stop() }
    }

    static func start(_ arguments: [String], environment: [String: String]? = nil) async throws -> Started {
        let process = try ChildProcess(BuiltProducts.executable("trtc-server"), arguments + ["--log-level", "warning"],
                                       environment: environment)
        // The banner is written at once, in one piece: its last fixed line means all of it is there.
        try await process.waitForLine(containing: "applications:")
        return Started(process: process, banner: process.output)
    }

    /// Enters `room` as `userId` of `sdkAppId` with a UserSig made with `key`; returns the server's answer.
    static func enter(_ url: String, _ userId: String, sdkAppId: UInt32, key: String, room: RoomName = .numeric(1)) async throws -> ServerMessage {
        var logger = Logger(label: "config-test")
        logger.logLevel = .error
        return try await SignalingClient.withConnection(server: url, logger: logger) { channel in
            let sig = UserSig.generate(sdkAppId: sdkAppId, userId: userId, secretKey: key, expire: 600)
            channel.send(.enter(EnterRequest(seq: 1, sdkAppId: sdkAppId, userId: userId, userSig: sig, room: room)))
            for try await message in channel.messages {
                switch message {
                case .hello, .pong: continue
                default:
                    channel.close()
                    return message
                }
            }
            throw TestFailure("the connection closed before an answer to enter")
        }
    }

    static func entered(_ message: ServerMessage) throws -> ServerMessage.Entered {
        guard case .entered(let entered) = message else { throw TestFailure("not admitted: \(message)") }
        return entered
    }

    /// The code of a server API answer: "" for success.
    static func apiCode(_ endpoint: String, _ secretId: String, _ secretKey: String, sdkAppId: UInt32) async throws -> String {
        let api = try ServerAPIClient(endpoint: endpoint, secretId: secretId, secretKey: secretKey)
        switch try await api.call("DismissRoom", .object(["SdkAppId": .integer(Int64(sdkAppId)), "RoomId": .integer(404)])) {
        case .success: return ""
        case .failure(let code, _, _): return code
        }
    }

    @Test("--config with every key: listen, media, apps, apiCredentials, departureTimeoutSeconds used; stateDir used when needed; flags win")
    func configFile() async throws {
        let directory = try BuiltProducts.temporaryDirectory("trtc-config")
        defer { try? FileManager.default.removeItem(at: directory) }
        let stateDir = directory.appendingPathComponent("state-from-config")
        var document: [String: Any] = [
            // Loopback addresses other than 127.0.0.1, so the banner and the grant show the file's hosts were used.
            "listen": "127.0.0.2:0",
            "media": "127.0.0.3:0",
            "apps": [["sdkAppId": 1_400_000_101, "secretKey": "app-one-key"], ["sdkAppId": 1_400_000_102, "secretKey": "app-two-key"]],
            "apiCredentials": [["secretId": "AKIDconfigFileCredential000000000000", "secretKey": "config-file-api-key"]],
            "stateDir": stateDir.path,
            "departureTimeoutSeconds": 2.5,
            "someFutureKey": ["ignored": true],
        ]
        let file = directory.appendingPathComponent("config.json")
        try JSONSerialization.data(withJSONObject: document).write(to: file)

        let server = try await Self.start(["--config", file.path])
        do {
            #expect(try server.url.hasPrefix("ws://127.0.0.2:"))
            #expect(server.value("media")?.hasPrefix("udp://127.0.0.3:") == true, "\(server.banner)")
            #expect(server.value("applications:") == "1400000101, 1400000102", "\(server.banner)")
            #expect(!server.banner.contains { $0.contains("development credentials") }, "nothing to generate: \(server.banner)")
            #expect(!FileManager.default.fileExists(atPath: stateDir.path), "the state dir is only for development credentials")

            let entered = try Self.entered(try await Self.enter(try server.url, "file-user", sdkAppId: 1_400_000_102, key: "app-two-key"))
            #expect(entered.departureTimeoutMs == 2500)
            #expect(entered.media.host == "127.0.0.3")
            let wrongKey = try await Self.enter(try server.url, "file-user", sdkAppId: 1_400_000_101, key: "app-two-key")
            guard case .error(let error) = wrongKey else { throw TestFailure("admitted with another app's key: \(wrongKey)") }
            #expect(error.code == -100018)

            #expect(try await Self.apiCode(try server.endpoint, "AKIDconfigFileCredential000000000000", "config-file-api-key",
                                           sdkAppId: 1_400_000_101) == "FailedOperation.RoomNotExist")
            #expect(try await Self.apiCode(try server.endpoint, "AKIDnotConfigured000000000000000000", "config-file-api-key",
                                           sdkAppId: 1_400_000_101) == "AuthFailure.SecretIdNotFound")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()

        // Flags win over the file: the departure timeout, and for the same sdkAppId the flag's key; the file's other
        // app stays (merged).
        let overridden = try await Self.start(["--config", file.path, "--departure-timeout", "1", "--app", "1400000101:flag-key"])
        do {
            #expect(overridden.value("applications:") == "1400000101, 1400000102", "\(overridden.banner)")
            let flagged = try Self.entered(try await Self.enter(try overridden.url, "flag-user", sdkAppId: 1_400_000_101, key: "flag-key"))
            #expect(flagged.departureTimeoutMs == 1000)
            let fileKey = try await Self.enter(try overridden.url, "flag-user", sdkAppId: 1_400_000_101, key: "app-one-key")
            guard case .error(let error) = fileKey else { throw TestFailure("the file's key still worked: \(fileKey)") }
            #expect(error.code == -100018)
            _ = try Self.entered(try await Self.enter(try overridden.url, "other-user", sdkAppId: 1_400_000_102, key: "app-two-key"))
        } catch {
            await overridden.stop()
            throw error
        }
        await overridden.stop()

        // Without API credentials in the file, the development credential is generated in the file's stateDir.
        document["apiCredentials"] = nil
        try JSONSerialization.data(withJSONObject: document).write(to: file)
        let generated = try await Self.start(["--config", file.path])
        defer { Task { await generated.stop() } }
        #expect(generated.banner.contains { $0.contains("development credentials (kept in \(stateDir.path)/credentials.json)") },
                "\(generated.banner)")
        #expect(generated.value("sdkAppId") == nil, "the file's apps are used, no development app: \(generated.banner)")
        let secretId = try #require(generated.value("SecretId"))
        let secretKey = try #require(generated.value("SecretKey"))
        let credentials = stateDir.appendingPathComponent("credentials.json").path
        #expect((try FileManager.default.attributesOfItem(atPath: credentials)[.posixPermissions] as? Int) == 0o600)
        #expect((try FileManager.default.attributesOfItem(atPath: stateDir.path)[.posixPermissions] as? Int) == 0o700)
        #expect(try await Self.apiCode(try generated.endpoint, secretId, secretKey, sdkAppId: 1_400_000_101) == "FailedOperation.RoomNotExist")
        await generated.stop()
    }

    @Test("--media-announce HOST:PORT: the banner and every grant name it; without it the grant names no host")
    func mediaAnnounce() async throws {
        let state = try BuiltProducts.temporaryDirectory("trtc-announce")
        defer { try? FileManager.default.removeItem(at: state) }
        let server = try await Self.start([
            "--listen", "127.0.0.1:0", "--media", "127.0.0.1:0", "--state-dir", state.path,
            "--app", "1400000301:announce-key", "--media-announce", "198.51.100.7:40000",
        ])
        defer { Task { await server.stop() } }
        #expect(server.value("announced") == "udp://198.51.100.7:40000", "\(server.banner)")
        let entered = try Self.entered(try await Self.enter(try server.url, "user", sdkAppId: 1_400_000_301, key: "announce-key"))
        #expect(entered.media.host == "198.51.100.7" && entered.media.port == 40000)
        await server.stop()

        let plain = try await Self.start([
            "--listen", "127.0.0.1:0", "--media", "127.0.0.1:0", "--state-dir", state.path, "--app", "1400000301:announce-key",
        ])
        defer { Task { await plain.stop() } }
        let unannounced = try Self.entered(try await Self.enter(try plain.url, "user", sdkAppId: 1_400_000_301, key: "announce-key"))
        #expect(unannounced.media.host.isEmpty && unannounced.media.port != 0)
        await plain.stop()
    }

    @Test("security M2: keys on the command line draw a warning; the systemd credential trtc-server.json in $CREDENTIALS_DIRECTORY configures apps and API credentials without argv")
    func secretsWithoutArgv() async throws {
        let state = try BuiltProducts.temporaryDirectory("trtc-credential-state")
        let credentials = try BuiltProducts.temporaryDirectory("trtc-credentials")
        defer {
            try? FileManager.default.removeItem(at: state)
            try? FileManager.default.removeItem(at: credentials)
        }
        let flags = try await Self.start(["--listen", "127.0.0.1:0", "--media", "127.0.0.1:0", "--state-dir", state.path,
                                          "--app", "1400000401:argv-key", "--api-credential", "AKIDargv:argv-api-key"])
        try await flags.process.waitForError(containing: "trtc-server: warning: --app and --api-credential put secret keys on the command line")
        await flags.stop()

        let document: [String: Any] = [
            "apps": [["sdkAppId": 1_400_000_402, "secretKey": "credential-key"]],
            "apiCredentials": [["secretId": "AKIDfromCredential", "secretKey": "credential-api-key"]],
        ]
        try JSONSerialization.data(withJSONObject: document).write(to: credentials.appendingPathComponent("trtc-server.json"))
        var environment = ProcessInfo.processInfo.environment
        environment["CREDENTIALS_DIRECTORY"] = credentials.path
        let server = try await Self.start(["--listen", "127.0.0.1:0", "--media", "127.0.0.1:0", "--state-dir", state.path],
                                          environment: environment)
        defer { Task { await server.stop() } }
        #expect(server.value("applications:") == "1400000402", "\(server.banner)")
        #expect(!server.banner.contains { $0.contains("development credentials") }, "\(server.banner)")
        _ = try Self.entered(try await Self.enter(try server.url, "user", sdkAppId: 1_400_000_402, key: "credential-key"))
        #expect(try await Self.apiCode(try server.endpoint, "AKIDfromCredential", "credential-api-key", sdkAppId: 1_400_000_402)
                == "FailedOperation.RoomNotExist")
        try await Task.sleep(for: .milliseconds(100))
        #expect(!server.process.errorOutput.contains("warning"), "\(server.process.errorOutput)")
        await server.stop()
    }

    @Test("repeated --app and --api-credential: every application admits its users, every credential signs API calls")
    func repeatedFlags() async throws {
        let state = try BuiltProducts.temporaryDirectory("trtc-repeated")
        defer { try? FileManager.default.removeItem(at: state) }
        let server = try await Self.start([
            "--listen", "127.0.0.1:0", "--media", "127.0.0.1:0", "--state-dir", state.path,
            "--app", "1400000201:key-one", "--app", "1400000202:key-two", "--app", "1400000203:key-three",
            "--api-credential", "AKIDrepeatedOne0000000000000000000:secret-one",
            "--api-credential", "AKIDrepeatedTwo0000000000000000000:secret-two",
        ])
        defer { Task { await server.stop() } }
        #expect(server.value("applications:") == "1400000201, 1400000202, 1400000203", "\(server.banner)")
        #expect(!server.banner.contains { $0.contains("development credentials") }, "\(server.banner)")
        for (app, key) in [(UInt32(1_400_000_201), "key-one"), (1_400_000_202, "key-two"), (1_400_000_203, "key-three")] {
            _ = try Self.entered(try await Self.enter(try server.url, "user", sdkAppId: app, key: key))
        }
        let crossed = try await Self.enter(try server.url, "user", sdkAppId: 1_400_000_201, key: "key-two")
        guard case .error(let error) = crossed else { throw TestFailure("one app's key admitted to another: \(crossed)") }
        #expect(error.code == -100018)
        let unhosted = try await Self.enter(try server.url, "user", sdkAppId: 1_400_000_001, key: "key-one")
        guard case .error(let unknownApp) = unhosted else { throw TestFailure("the development app is hosted too: \(unhosted)") }
        #expect(unknownApp.code == -3317)

        for (id, key) in [("AKIDrepeatedOne0000000000000000000", "secret-one"), ("AKIDrepeatedTwo0000000000000000000", "secret-two")] {
            #expect(try await Self.apiCode(try server.endpoint, id, key, sdkAppId: 1_400_000_203) == "FailedOperation.RoomNotExist", "\(id)")
        }
        #expect(try await Self.apiCode(try server.endpoint, "AKIDrepeatedOne0000000000000000000", "secret-two", sdkAppId: 1_400_000_203)
                == "AuthFailure.SignatureFailure", "one credential's key does not sign for the other")
        await server.stop()
    }

    @Test("--mirror HOST:PORT from the command line: the banner says so; accepted RTP is copied there, RTCP is not")
    func mirrorFlag() async throws {
        try await withUDPSockets(2) { sockets in
            let (sender, mirror) = (sockets[0], sockets[1])
            let server = try await ServerProcess.start(extraArguments: ["--mirror", "127.0.0.1:\(mirror.port)"])
            defer { Task { await server.stop() } }
            #expect(server.process.output.contains { $0.trimmingCharacters(in: .whitespaces) == "mirroring   RTP to udp://127.0.0.1:\(mirror.port)" },
                    "\(server.process.output)")
            var logger = Logger(label: "mirror-test")
            logger.logLevel = .error
            let url = server.url
            let sig = UserSig.generate(sdkAppId: server.sdkAppId, userId: "alice", secretKey: server.secretKey, expire: 600)
            try await SignalingClient.withConnection(server: url, tls: server.trust, logger: logger) { channel in
                let client = TestClient(channel: channel)
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { await client.pump() }
                    let alice = try await client.enter("alice", video: true, userSig: sig, sdkAppId: server.sdkAppId)
                    try await sender.connect(alice.media)
                    let first = try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: 1)
                    try await sender.send(first, to: alice.media)
                    #expect(try await mirror.receive() == first)
                    // RTCP is not mirrored: the next datagram at the mirror is the RTP sent after it.
                    try await sender.send(try MediaForwardingTests.receiverReport(ssrc: alice.media.videoSsrc), to: alice.media)
                    let second = try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: 2)
                    try await sender.send(second, to: alice.media)
                    #expect(try await mirror.receive() == second)
                    channel.close()
                    tasks.cancelAll()
                }
            }
            await server.stop()
        }
    }

    /// Whether a socket of `type` can be bound to 127.0.0.1:`port` now (tried, then closed at once).
    static func isFree(port: UInt16, type: Int32) -> Bool {
        let descriptor = socket(AF_INET, type, 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    @Test("defaults: HTTP on 7800 and UDP on 7801 when free (else the documented failure), departure timeout 5 s, state in $XDG_STATE_HOME/trtc-server, else ~/.local/state/trtc-server")
    func defaults() async throws {
        let home = try BuiltProducts.temporaryDirectory("trtc-home")
        let xdgState = try BuiltProducts.temporaryDirectory("trtc-xdg-state")
        defer {
            try? FileManager.default.removeItem(at: home)
            try? FileManager.default.removeItem(at: xdgState)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = home.path
        environment["XDG_STATE_HOME"] = xdgState.path

        // No flags at all. The default ports may be taken on this machine (another trtc-server, another test run):
        // then the documented failure is what to see, so the default is checked either way.
        if Self.isFree(port: 7800, type: Int32(SOCK_STREAM.rawValue)) && Self.isFree(port: 7801, type: Int32(SOCK_DGRAM.rawValue)) {
            let server = try await Self.start([], environment: environment)
            defer { Task { await server.stop() } }
            #expect(try server.url == "ws://127.0.0.1:7800")
            #expect(server.value("server API") == "http://127.0.0.1:7800/  (TC3-HMAC-SHA256, service trtc, version 2019-07-22)")
            #expect(server.value("media") == "udp://127.0.0.1:7801")
            let credentials = xdgState.appendingPathComponent("trtc-server/credentials.json")
            #expect(server.banner.contains { $0.contains("development credentials (kept in \(credentials.path))") }, "\(server.banner)")
            #expect(FileManager.default.fileExists(atPath: credentials.path))
            let app = try #require(server.value("sdkAppId").flatMap { UInt32($0) })
            let entered = try Self.entered(try await Self.enter(try server.url, "defaults", sdkAppId: app, key: try #require(server.value("secretKey"))))
            #expect(entered.departureTimeoutMs == 5000)
            #expect(entered.media.host.isEmpty && entered.media.port == 7801, "the media socket is on the signaling host: not announced")
            await server.stop()
        } else {
            let process = try ChildProcess(BuiltProducts.executable("trtc-server"), ["--log-level", "warning"], environment: environment)
            #expect(try await process.waitForExit(timeout: .seconds(30)) != 0, "started although 7800/7801 is taken")
            try await process.waitForError(containing: "Address already in use")
        }

        // Without XDG_STATE_HOME: ~/.local/state/trtc-server (ports given here: the state dir is the point).
        environment["XDG_STATE_HOME"] = nil
        let server = try await Self.start(["--listen", "127.0.0.1:0", "--media", "127.0.0.1:0"], environment: environment)
        defer { Task { await server.stop() } }
        let credentials = home.appendingPathComponent(".local/state/trtc-server/credentials.json")
        #expect(server.banner.contains { $0.contains("development credentials (kept in \(credentials.path))") }, "\(server.banner)")
        #expect((try FileManager.default.attributesOfItem(atPath: credentials.path)[.posixPermissions] as? Int) == 0o600)
        let app = try #require(server.value("sdkAppId").flatMap { UInt32($0) })
        let entered = try Self.entered(try await Self.enter(try server.url, "defaults", sdkAppId: app, key: try #require(server.value("secretKey"))))
        #expect(entered.departureTimeoutMs == 5000)
        await server.stop()
    }
}
