import Foundation
import TrtcCore
import TrtcHarness

/// What one kind of hostile connection did to the server: first held against a server whose deadlines are far away
/// (memory, a normal client's entry meanwhile), then against one with the deadlines under test.
struct HostileResult: Sendable {
    var kind: HostileKind
    var connections: Int
    // Held (deadlines far away).
    var opened: Int
    var openFailures: Int
    var openSeconds: Double
    /// Still open when all had been opened.
    var openWhenAllOpened: Int
    var idleRSS: Int
    var heldRSS: Int
    /// VmHWM at the end of the held phase: the largest the server was.
    var peakRSS: Int
    /// After the benchmark closed its connections.
    var afterRSS: Int
    var idleEntry: LatencySummary
    var heldEntry: LatencySummary
    var pingsPerSecond: Double
    // Deadlines.
    var deadlineOpenSeconds: Double
    var deadlineMostOpen: Int
    var deadlineOpened: Int
    var closedByServer: Int
    var closedAfter: LatencySummary
    var timeouts: [String: Int]
    /// /healthz `connections` after the deadlines (a non-reading client may not see its close: its window is full).
    var connectionsAfter = -1
    var firstError: String?

    var perConnectionHeld: Double { Double(heldRSS - idleRSS) / Double(max(1, openWhenAllOpened)) }
}

/// `trtc-bench hostile`: a real trtc-server on loopback, 10,000 connections of each hostile kind held against it,
/// and a normal client entering meanwhile.
struct HostileBenchmark {
    struct Options: Sendable {
        var connections = 10_000
        var kinds: [HostileKind] = HostileKind.allCases
        var deadlineSeconds = 10.0
        /// The deadlines of the held phase: far enough that opening all connections takes less.
        var holdDeadlineSeconds = 600.0
        var entrySamples = 20
        var pingPause: Duration = .zero
        var serverStartTimeoutSeconds = 20.0
        var launcher: ServerProcess.Launcher
    }

    let options: Options
    let credentials = ServerCredentials.random()
    let log: @Sendable (String) -> Void

    func serverArguments(deadline: Double) -> [String] {
        let deadline = String(deadline)
        return ["--enter-timeout", deadline, "--request-head-timeout", deadline,
                "--max-connections", String(options.connections + 1_000)]
    }

    func startServer(deadline: Double) async throws -> ServerProcess {
        let server = try await ServerProcess.start(
            options.launcher, certificate: nil, credentials: credentials, extraArguments: serverArguments(deadline: deadline),
            timeout: .milliseconds(Int64(options.serverStartTimeoutSeconds * 1000)))
        log("  server pid \(server.pid), bench pid \(getpid()), port \(server.port)")
        return server
    }

    func withServer<T>(deadline: Double, _ body: (ServerProcess) async throws -> T) async throws -> T {
        let server = try await startServer(deadline: deadline)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    func run(_ kind: HostileKind) async throws -> HostileResult {
        log("\(kind.rawValue): \(options.connections) connections held (deadlines \(options.holdDeadlineSeconds) s)")
        var result = try await withServer(deadline: options.holdDeadlineSeconds) { try await hold(kind, $0) }
        log("\(kind.rawValue): \(options.connections) connections against deadlines of \(options.deadlineSeconds) s")
        try await withServer(deadline: options.deadlineSeconds) { try await deadlines(kind, $0, into: &result) }
        return result
    }

    private func openAll(_ hostile: HostileSockets) async throws -> (HostileSockets.Snapshot, Duration) {
        let start = ContinuousClock.now
        hostile.start()
        var snapshot = hostile.snapshot
        while snapshot.openedAllAt == nil {
            try await Task.sleep(for: .milliseconds(50))
            snapshot = hostile.snapshot
        }
        let openTime = snapshot.openedAllAt! - start
        log("  \(snapshot.opened) opened (\(snapshot.openFailures) failed) in \(openTime.formattedMilliseconds); \(snapshot.stillOpen) still open\(snapshot.firstError.map { "; first error: \($0)" } ?? "")")
        return (snapshot, openTime)
    }

    private func hold(_ kind: HostileKind, _ server: ServerProcess) async throws -> HostileResult {
        try await Task.sleep(for: .milliseconds(500))
        let idleEntry = try await measureEntries(server, firstUser: 0)
        try await Task.sleep(for: .milliseconds(300))
        let idleRSS = try ResidentMemory.of(server.pid).resident

        let hostile = HostileSockets(kind: kind, port: server.port, count: options.connections, pingPause: options.pingPause)
        let (snapshot, openTime) = try await openAll(hostile)
        try await Task.sleep(for: .milliseconds(300))
        let heldRSS = try ResidentMemory.of(server.pid).resident
        let openWhenAllOpened = hostile.snapshot.stillOpen
        let pingsBefore = hostile.snapshot.pingsSent
        let pingStart = ContinuousClock.now
        let heldEntry = try await measureEntries(server, firstUser: 1_000)
        try await Task.sleep(for: .seconds(2))
        let pingsPerSecond = Double(hostile.snapshot.pingsSent - pingsBefore) / ((ContinuousClock.now - pingStart).milliseconds / 1000)
        let peakRSS = try ResidentMemory.of(server.pid).peak
        log("  server RSS \(idleRSS.mebibytes) idle, \(heldRSS.mebibytes) held (\(openWhenAllOpened) open), peak \(peakRSS.mebibytes); enter p50 \(idleEntry.p50.formattedMilliseconds) idle, \(heldEntry.p50.formattedMilliseconds) held")
        await hostile.stop()
        try await Task.sleep(for: .seconds(1))
        let afterRSS = try ResidentMemory.of(server.pid).resident
        return HostileResult(
            kind: kind, connections: options.connections, opened: snapshot.opened, openFailures: snapshot.openFailures,
            openSeconds: openTime.milliseconds / 1000, openWhenAllOpened: openWhenAllOpened, idleRSS: idleRSS,
            heldRSS: heldRSS, peakRSS: peakRSS, afterRSS: afterRSS, idleEntry: idleEntry, heldEntry: heldEntry,
            pingsPerSecond: pingsPerSecond, deadlineOpenSeconds: 0, deadlineMostOpen: 0, deadlineOpened: 0,
            closedByServer: 0, closedAfter: LatencySummary([]), timeouts: [:], firstError: snapshot.firstError)
    }

    private func deadlines(_ kind: HostileKind, _ server: ServerProcess, into result: inout HostileResult) async throws {
        try await Task.sleep(for: .milliseconds(300))
        let hostile = HostileSockets(kind: kind, port: server.port, count: options.connections, pingPause: options.pingPause)
        let (snapshot, openTime) = try await openAll(hostile)
        // Past every connection's deadline (the last was opened at `openedAllAt`), with some slack.
        let end = snapshot.openedAllAt! + .milliseconds(Int64(options.deadlineSeconds * 1000)) + .seconds(4)
        while ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(200))
            if hostile.snapshot.stillOpen == 0 { break }
        }
        let final = hostile.snapshot
        let health = try? await server.health()
        await hostile.stop()
        var timeouts: [String: Int] = [:]
        for phase in ["request-head", "enter"] {
            let value = try? await server.metricValue("trtc_connection_timeouts_total{phase=\"\(phase)\"}")
            timeouts[phase] = Int(value ?? 0)
        }
        log("  \(final.closedTimes.count) closed by the server (most open at once \(final.mostOpen)); timeouts \(timeouts)")
        result.deadlineOpenSeconds = openTime.milliseconds / 1000
        result.deadlineMostOpen = final.mostOpen
        result.deadlineOpened = final.opened
        result.closedByServer = final.closedTimes.count
        result.closedAfter = LatencySummary(final.closedTimes)
        result.timeouts = timeouts
        result.connectionsAfter = health?.connections ?? -1
    }

    /// `entrySamples` normal clients, each connecting and entering its own room one after the other:
    /// the time from `enter` sent to `entered` received.
    private func measureEntries(_ server: ServerProcess, firstUser: Int) async throws -> LatencySummary {
        let bench = ServerBenchmark(
            options: .init(launcher: options.launcher), credentials: credentials, log: log)
        var latencies: [Duration] = []
        var failures = 0
        for sample in 0..<options.entrySamples {
            // A fresh connection per sample: one that fails is counted, and the next sample goes on.
            let fleet = ClientFleet(server: server.url)
            let client = firstUser + sample
            do {
                try await fleet.connect(client..<(client + 1), window: 1, timeout: .seconds(60))
                let texts = [client: bench.enterText(client, room: UInt32(1 + client))]
                let (entries, _) = try await bench.enterAll(
                    [client], texts: texts, window: 1, fleet: fleet, timeout: .seconds(60))
                latencies += entries
            } catch {
                failures += 1
                log("  normal client \(client) failed: \(error)")
            }
            await fleet.shutdown()
        }
        if failures > 0 { log("  \(failures) of \(options.entrySamples) normal entries failed") }
        guard !latencies.isEmpty else { throw BenchFailure("every normal entry failed") }
        return LatencySummary(latencies)
    }
}
