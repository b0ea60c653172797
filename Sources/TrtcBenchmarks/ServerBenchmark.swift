import Foundation
import TrtcClient
import TrtcCore
import TrtcHarness

/// The trtc-server benchmark: a real server process on loopback, driven by many simulated signaling clients
/// in this process and by the TC3-signed server API.
struct ServerBenchmark {
    struct Options: Sendable {
        var users = 10_000
        var rooms = 1_000
        var holdSeconds = 10.0
        var connectWindow = 256
        var joinWindow = 256
        var latencySamples = 500
        var dismissMembers = 1_000
        var dismissRounds = 3
        var dismissAnchors = 10
        var removeSamplesUnderLoad = 100
        /// The isolation section: members of the busy room (their connections dropped), anchors toggling in it, the
        /// quiet room's probes, each phase's length.
        var isolationMembers = 10_000
        var isolationFlooders = 50
        var isolationFloodRate = 9.0
        var isolationProbes = 4
        var isolationSeconds = 10.0
        var departureTimeoutSeconds = 5.0
        var serverStartTimeoutSeconds = 20.0
        /// The server is the bare WebSocket diagnostic: measure connections only.
        var bareServer = false
        var sections: Set<Section> = Set(Section.allCases)
        var launcher: ServerProcess.Launcher
    }

    enum Section: String, CaseIterable, Sendable {
        case latency, dismiss, capacity, isolation
    }

    let options: Options
    var credentials = ServerCredentials.random()
    /// Makes each API request unique (trtc-server refuses replays).
    let apiSerial = RequestSerial()
    let log: @Sendable (String) -> Void

    func run() async throws -> ServerBenchResults {
        var results = ServerBenchResults(options: options)
        if options.sections.contains(.latency) { results.latency = try await measureLatency() }
        if options.sections.contains(.dismiss) { results.dismiss = try await measureDismiss() }
        if options.sections.contains(.capacity) { results.capacity = try await measureCapacity() }
        if options.sections.contains(.isolation) { results.isolation = try await measureIsolation() }
        return results
    }

    // MARK: shared steps

    /// Runs `body` against a fresh server process that is stopped afterwards, also when `body` fails.
    func withServer<T>(departureTimeoutSeconds: Double? = nil, extraArguments: [String] = [], _ body: (ServerProcess, ClientFleet) async throws -> T) async throws -> T {
        let server = try await ServerProcess.start(
            options.launcher, certificate: nil, credentials: credentials,
            departureTimeout: departureTimeoutSeconds ?? options.departureTimeoutSeconds,
            extraArguments: ["--api-rate-limit", "0"] + extraArguments,
            timeout: .milliseconds(Int64(options.serverStartTimeoutSeconds * 1000)))
        log("  server pid \(server.pid), bench pid \(getpid()), port \(server.port)")
        let fleet = ClientFleet(server: server.url)
        do {
            let result = try await body(server, fleet)
            await fleet.shutdown()
            await server.stop()
            return result
        } catch {
            log("failed: \(error); the server's counters:\n\(await server.diagnosticMetrics())")
            await fleet.shutdown()
            await server.stop()
            throw error
        }
    }

    func apiClient(_ server: ServerProcess) throws -> ServerAPIClient {
        try ServerAPIClient(endpoint: server.endpoint, secretId: credentials.secretId, secretKey: credentials.apiSecretKey)
    }

    static func userId(_ client: Int) -> String { "u\(client)" }

    /// The `enter` message of `client` for numeric room `room`, encoded ahead of time so the timed path only sends.
    func enterText(_ client: Int, room: UInt32, scene: Scene = .rtc, role: Role = .anchor) -> String {
        let userId = Self.userId(client)
        return ClientMessage.enter(EnterRequest(
            seq: 1, sdkAppId: credentials.sdkAppId, userId: userId, userSig: credentials.userSig(userId),
            room: .numeric(room), scene: scene, role: role, video: false, audio: false)).text
    }

    var heartbeatInterval: Duration { .milliseconds(Int64(max(100, options.departureTimeoutSeconds * 1000 / 4))) }

    /// Enters every client of `clients` (with its prepared message), `window` requests in flight at a time.
    /// Returns each entry's time (enter sent → entered seen by the client) and the time from first send to last entry.
    func enterAll(_ clients: [Int], texts: [Int: String], window: Int, fleet: ClientFleet, timeout: Duration)
        async throws -> (latencies: [Duration], elapsed: Duration) {
        let deadline = ContinuousClock.now + timeout
        var sentAt: [Int: ContinuousClock.Instant] = [:]
        var latencies: [Duration] = []
        latencies.reserveCapacity(clients.count)
        var pending = clients.makeIterator()
        func sendNext() async {
            guard let client = pending.next() else { return }
            sentAt[client] = .now
            fleet.send(texts[client]!, to: client)
        }
        let start = ContinuousClock.now
        for _ in 0..<min(window, clients.count) { await sendNext() }
        var last = start
        while latencies.count < clients.count {
            switch try await fleet.next(deadline: deadline, waitingFor: "\(clients.count - latencies.count) entries") {
            case .entered(let client, let at, _):
                guard let sent = sentAt.removeValue(forKey: client) else { continue }
                latencies.append(at - sent)
                last = max(last, at)
                await sendNext()
            case .refused(let client, let message):
                throw BenchFailure("the server refused client \(client): \(message)")
            case .closed(let client, _, let error):
                throw BenchFailure("client \(client) lost its connection while entering: \(error ?? "closed")")
            case .exit(let client, _, let reason):
                throw BenchFailure("client \(client) was told to exit (reason \(reason)) while entering")
            case .connected, .acknowledged, .tick:
                continue
            }
        }
        return (latencies, last - start)
    }

    /// Waits until the server has told the clients `count` room events in all (userEnter etc.), so a measurement
    /// does not start while the previous step is still being delivered.
    func waitForRoomEvents(_ count: Int, fleet: ClientFleet, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while fleet.sink.roomEvents.load(ordering: .relaxed) < count {
            guard ContinuousClock.now < deadline else {
                throw BenchFailure("only \(fleet.sink.roomEvents.load(ordering: .relaxed)) of \(count) room events arrived")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
