import Foundation
import Logging
import ServiceLifecycle
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting
import TrtcServer

/// A real trtc-server built in-process on a free loopback port.
struct TestServer: ServerHTTPEndpoint {
    static let sdkAppId: UInt32 = 1_400_000_001
    static let secretKey = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
    static let otherAppId: UInt32 = 1_400_000_002
    static let otherSecretKey = "another-app-secret"
    static let secretId = "AKIDtrtcTestSecretId0000000000000000"
    static let apiSecretKey = "trtcTestApiSecretKey000000000000"

    let port: Int
    let parts: TrtcServerParts
    /// Triggers the same graceful shutdown SIGTERM does.
    let shutdown: @Sendable () async -> Void

    var url: String { "ws://127.0.0.1:\(port)" }
    var endpoint: String { "127.0.0.1:\(port)" }

    static func userSig(_ userId: String, sdkAppId: UInt32 = sdkAppId, key: String = secretKey, expire: Int = 3600,
                        time: Int? = nil) -> String {
        UserSig.generate(sdkAppId: sdkAppId, userId: userId, secretKey: key, expire: expire, time: time)
    }

    /// Media on an ephemeral UDP port: clients learn it from `entered.media`.
    static func configuration(departureTimeout: Duration, recordDirectory: String? = nil, mirror: HostPort? = nil,
                              maxQueuedMessagesPerSession: Int = 1024, signalingSendBufferBytes: Int = 64 * 1024) -> ServerConfiguration {
        ServerConfiguration(
            listenHost: "127.0.0.1", listenPort: 0, mediaHost: "127.0.0.1", mediaPort: 0,
            apps: [sdkAppId: secretKey, otherAppId: otherSecretKey], apiCredentials: [secretId: apiSecretKey],
            // API tests call back to back; the rate limit has its own test (ServerAPIGuardTests).
            departureTimeout: departureTimeout, apiRequestsPerSecond: 0, maxQueuedMessagesPerSession: maxQueuedMessagesPerSession,
            signalingSendBufferBytes: signalingSendBufferBytes,
            recordDirectory: recordDirectory, mirror: mirror)
    }

    /// The value of one sample line of /metrics, e.g. `trtc_media_dropped_total{reason="unbound"}`; 0 if absent.
    func metric(_ sample: String) async throws -> Int {
        Int(try await metricValue(sample) ?? 0)
    }
}

/// Runs `body` against a server that is shut down gracefully afterwards.
func withTestServer<T: Sendable>(
    departureTimeout: Duration = .seconds(5),
    recordDirectory: String? = nil,
    mirror: HostPort? = nil,
    maxQueuedMessagesPerSession: Int = 1024,
    signalingSendBufferBytes: Int = 64 * 1024,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (TestServer) async throws -> T
) async throws -> T {
    var logger = Logger(label: "test-server")
    logger.logLevel = .warning
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    var configuration = TestServer.configuration(
        departureTimeout: departureTimeout, recordDirectory: recordDirectory, mirror: mirror,
        maxQueuedMessagesPerSession: maxQueuedMessagesPerSession, signalingSendBufferBytes: signalingSendBufferBytes)
    configure(&configuration)
    let (services, parts) = try buildApplication(configuration, logger: logger) { port in
        portSink.yield(port)
    }
    let group = ServiceGroup(configuration: .init(services: services, logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("server did not start") }
        do {
            let result = try await body(TestServer(port: port, parts: parts, shutdown: { await group.triggerGracefulShutdown() }))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}
