import Foundation
import TrtcCore
import TrtcHarness

/// What one kind of hostile connection did to the server.
struct HostileResult: Sendable {
    var kind: HostileKind
    var connections: Int
    var opened: Int
    var openFailures: Int
    var openSeconds: Double
    /// Of the opened connections, still open when all had been opened (the rest were closed meanwhile).
    var openWhenAllOpened: Int
    var idleRSS: Int
    var heldRSS: Int
    /// VmHWM at the end: the largest the server was during the whole run.
    var peakRSS: Int
    var afterRSS: Int
    var idleEntry: LatencySummary
    var heldEntry: LatencySummary
    var closedByServer: Int
    var closedAfter: LatencySummary
    var pingsPerSecond: Double
    var bytesSent: Int
    var timeouts: [String: Int]
    var firstError: String?

    var perConnectionHeld: Double { Double(heldRSS - idleRSS) / Double(max(1, opened)) }
    var perConnectionPeak: Double { Double(peakRSS - idleRSS) / Double(max(1, opened)) }
}

/// `trtc-bench hostile`: a real trtc-server on loopback, 10,000 connections of each hostile kind held against it,
/// and a normal client entering meanwhile.
struct HostileBenchmark {
    struct Options: Sendable {
        var connections = 10_000
        var kinds: [HostileKind] = HostileKind.allCases
        var deadlineSeconds = 10.0
        var entrySamples = 20
        var pingPause: Duration = .zero
        var serverStartTimeoutSeconds = 20.0
        var launcher: ServerProcess.Launcher
    }

    let options: Options
    let credentials = ServerCredentials.random()
    let log: @Sendable (String) -> Void

    var serverArguments: [String] {
        let deadline = String(options.deadlineSeconds)
        return ["--enter-timeout", deadline, "--request-head-timeout", deadline,
                "--max-connections", String(options.connections + 1_000)]
    }

    func startServer() async throws -> ServerProcess {
        let server = try await ServerProcess.start(
            options.launcher, certificate: nil, credentials: credentials, extraArguments: serverArguments,
            timeout: .milliseconds(Int64(options.serverStartTimeoutSeconds * 1000)))
        log("  server pid \(server.pid), bench pid \(getpid()), port \(server.port)")
        return server
    }

    func run(_ kind: HostileKind) async throws -> HostileResult {
        log("\(kind.rawValue): \(options.connections) connections, deadlines \(options.deadlineSeconds) s")
        let server = try await startServer()
        do {
            let result = try await measure(kind, server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private func measure(_ kind: HostileKind, _ server: ServerProcess) async throws -> HostileResult {
        try await Task.sleep(for: .milliseconds(500))
        let idleEntry = try await measureEntries(server, firstUser: 0)
        try await Task.sleep(for: .milliseconds(300))
        let idleRSS = try ResidentMemory.of(server.pid).resident

        let hostile = HostileSockets(kind: kind, port: server.port, count: options.connections, pingPause: options.pingPause)
        let start = ContinuousClock.now
        hostile.start()
        var snapshot = hostile.snapshot
        while snapshot.openedAllAt == nil {
            try await Task.sleep(for: .milliseconds(50))
            snapshot = hostile.snapshot
        }
        let openTime = snapshot.openedAllAt! - start
        let openWhenAllOpened = snapshot.stillOpen
        log("  \(snapshot.opened) opened (\(snapshot.openFailures) failed) in \(openTime.formattedMilliseconds); \(openWhenAllOpened) still open\(snapshot.firstError.map { "; first error: \($0)" } ?? "")")
        let heldRSS = try ResidentMemory.of(server.pid).resident
        let heldEntry = try await measureEntries(server, firstUser: 1_000)
        log("  server RSS \(idleRSS.mebibytes) idle, \(heldRSS.mebibytes) held; enter p50 \(idleEntry.p50.formattedMilliseconds) idle, \(heldEntry.p50.formattedMilliseconds) held")

        // Past every connection's deadline (the last was opened at `openedAllAt`), with some slack.
        let pingsBefore = hostile.snapshot.pingsSent
        let pingStart = ContinuousClock.now
        let end = snapshot.openedAllAt! + .milliseconds(Int64(options.deadlineSeconds * 1000)) + .seconds(3)
        while ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(200))
            if hostile.snapshot.stillOpen == 0 { break }
        }
        let final = hostile.snapshot
        let pingsPerSecond = Double(final.pingsSent - pingsBefore) / ((ContinuousClock.now - pingStart).milliseconds / 1000)
        await hostile.stop()
        try await Task.sleep(for: .milliseconds(500))
        let memory = try ResidentMemory.of(server.pid)
        var timeouts: [String: Int] = [:]
        for phase in ["request-head", "enter"] {
            let value = try? await server.metricValue("trtc_connection_timeouts_total{phase=\"\(phase)\"}")
            timeouts[phase] = Int(value ?? 0)
        }
        log("  \(final.closedTimes.count) closed by the server; RSS after \(memory.resident.mebibytes), peak \(memory.peak.mebibytes); timeouts \(timeouts)")
        return HostileResult(
            kind: kind, connections: options.connections, opened: final.opened, openFailures: final.openFailures,
            openSeconds: openTime.milliseconds / 1000, openWhenAllOpened: openWhenAllOpened, idleRSS: idleRSS,
            heldRSS: heldRSS, peakRSS: memory.peak, afterRSS: memory.resident, idleEntry: idleEntry, heldEntry: heldEntry,
            closedByServer: final.closedTimes.count, closedAfter: LatencySummary(final.closedTimes),
            pingsPerSecond: pingsPerSecond, bytesSent: final.bytesSent, timeouts: timeouts, firstError: final.firstError)
    }

    /// `entrySamples` normal clients, each connecting and entering its own room one after the other:
    /// the time from `enter` sent to `entered` received.
    private func measureEntries(_ server: ServerProcess, firstUser: Int) async throws -> LatencySummary {
        let bench = ServerBenchmark(
            options: .init(launcher: options.launcher), credentials: credentials, log: log)
        let fleet = ClientFleet(server: server.url)
        do {
            var latencies: [Duration] = []
            for sample in 0..<options.entrySamples {
                let client = firstUser + sample
                try await fleet.connect(client..<(client + 1), window: 1, timeout: .seconds(60))
                let texts = [client: bench.enterText(client, room: UInt32(1 + client))]
                let (entries, _) = try await bench.enterAll(
                    [client], texts: texts, window: 1, fleet: fleet, timeout: .seconds(60))
                latencies += entries
            }
            await fleet.shutdown()
            return LatencySummary(latencies)
        } catch {
            await fleet.shutdown()
            throw error
        }
    }
}
