import Foundation
import Synchronization
import TrtcCore
import TrtcHarness

/// Does one busy room hold up the others (security finding M3)? A quiet room's state changes are timed (publish sent →
/// `ack` received) while another room is idle, then while it is kept busy with allowed state changes that each reach
/// all of its many members.
struct IsolationResult: Sendable {
    /// Members of the busy room that entered and then dropped their connections: they stay members until the
    /// departure timeout, so every change of the room is still sent to each of them.
    var members: Int
    var flooders: Int
    /// Publish toggles per second and flooder (within the server's limit, so every one is allowed).
    var floodRate: Double
    var probes: Int
    var idle: LatencySummary
    var flooded: LatencySummary
    /// Toggles of the busy room acknowledged per second during the flood, and refused (over the limit) in all.
    var floodAcknowledgedPerSecond: Double
    var floodRefused: Int
    /// Server CPU during each phase, in cores.
    var idleServerCPU: Double
    var floodServerCPU: Double
    var setupSeconds: Double
}

extension ServerBenchmark {
    /// Room numbers of the two rooms.
    static let busyRoom: UInt32 = 200_000
    static let quietRoom: UInt32 = 200_001

    func measureIsolation() async throws -> IsolationResult {
        let members = options.isolationMembers
        let flooders = options.isolationFlooders
        let probes = options.isolationProbes
        let phase = Duration.milliseconds(Int64(options.isolationSeconds * 1000))
        log("isolation: a quiet room's publish → ack, idle and while \(flooders) anchors toggle publishing \(options.isolationFloodRate.decimal(digits: 1))/s each in a room of \(members.grouped) members")
        // The busy room's members stay in it (without heartbeats) for the whole run; all connect before any enters.
        return try await withServer(departureTimeoutSeconds: max(options.departureTimeoutSeconds, 3600),
                                    extraArguments: ["--enter-timeout", "3600"]) { server, fleet in
            let setupStart = ContinuousClock.now
            let memberClients = Array(0..<members)
            let flooderClients = Array(members..<members + flooders)
            let probeClients = Array(members + flooders..<members + flooders + probes)
            var texts: [Int: String] = [:]
            // Audience of the live scene: nobody is told of them; anchors' changes reach every one of them.
            for client in memberClients { texts[client] = enterText(client, room: Self.busyRoom, scene: .live, role: .audience) }
            for client in flooderClients { texts[client] = enterText(client, room: Self.busyRoom, scene: .live, role: .anchor) }
            for client in probeClients { texts[client] = enterText(client, room: Self.quietRoom) }

            try await fleet.connect(0..<members, window: options.connectWindow, timeout: .seconds(120))
            _ = try await enterAll(memberClients, texts: texts, window: options.joinWindow, fleet: fleet, timeout: .seconds(300))
            // Their connections go; they stay in the room until the departure timeout.
            fleet.close(memberClients)
            var closed = 0
            let closeDeadline = ContinuousClock.now + .seconds(60)
            while closed < members {
                if case .closed(let client, _, _) = try await fleet.next(deadline: closeDeadline, waitingFor: "\(members - closed) closes"),
                   client < members {
                    closed += 1
                }
            }
            let live = Array(members..<members + flooders + probes)
            fleet.startHeartbeats(live, interval: .seconds(5))
            try await fleet.connect(members..<members + flooders + probes, window: options.connectWindow, timeout: .seconds(60))
            _ = try await enterAll(flooderClients + probeClients, texts: texts, window: options.joinWindow, fleet: fleet,
                                   timeout: .seconds(60))
            let health = try await server.health()
            guard health.users == members + flooders + probes else {
                throw BenchFailure("/healthz counts \(health.users) users, not \(members + flooders + probes)")
            }
            let setup = ContinuousClock.now - setupStart
            log("  set up in \(setup.formattedMilliseconds): \(members.grouped) members without connections, \(flooders) flooders, \(probes) probes")
            try await Task.sleep(for: .milliseconds(500))

            /// Probes toggle at 8/s each, flooders (if `flooding`) at the flood rate, for `phase`, paced by a task of
            /// their own; returns the probes' latencies and the flooders' acks and refusals.
            func run(flooding: Bool) async throws -> (probes: [Duration], floodAcks: Int, floodRefused: Int, cpu: Double) {
                let probeInterval = Duration.seconds(1) / 8
                let floodInterval = Duration.seconds(1) / options.isolationFloodRate
                let start = ContinuousClock.now
                let end = start + phase
                // Each client's first turn spread over its interval.
                var schedule: [(client: Int, at: ContinuousClock.Instant, interval: Duration)] = []
                for (index, client) in probeClients.enumerated() {
                    schedule.append((client, start + probeInterval * Double(index) / Double(probes), probeInterval))
                }
                if flooding {
                    for (index, client) in flooderClients.enumerated() {
                        schedule.append((client, start + floodInterval * Double(index) / Double(flooders), floodInterval))
                    }
                }
                let probeSet = Set(probeClients)
                // By client and seq: an answer may come after the client's next request (a probe held up for long).
                let sentAt = Mutex<[Int: ContinuousClock.Instant]>([:])
                func key(_ client: Int, _ seq: UInt32) -> Int { client << 32 | Int(seq) }
                let fleetSink = fleet.sink
                let pacer = Task { [schedule, key] in
                    var schedule = schedule
                    var seqs: [Int: UInt32] = [:]
                    while !Task.isCancelled, ContinuousClock.now < end {
                        let now = ContinuousClock.now
                        for index in schedule.indices where schedule[index].at <= now {
                            let client = schedule[index].client
                            let seq = (seqs[client] ?? 100) + 1
                            seqs[client] = seq
                            let text = ClientMessage.publish(seq: seq, video: seq % 2 == 0, audio: nil).text
                            if probeSet.contains(client) { sentAt.withLock { $0[key(client, seq)] = .now } }
                            fleetSink.send(text, from: client)
                            schedule[index].at += schedule[index].interval
                        }
                        let next = schedule.map(\.at).min() ?? end
                        try? await Task.sleep(until: min(next, end), clock: .continuous)
                    }
                }
                var latencies: [Duration] = []
                var floodAcks = 0
                var floodRefused = 0
                let cpuBefore = try ProcessCPU.seconds(of: server.pid)
                defer { pacer.cancel() }
                while let event = await fleet.next(before: end) {
                    switch event {
                    case .acknowledged(let client, let at, let seq):
                        if probeSet.contains(client) {
                            if let sent = sentAt.withLock({ $0.removeValue(forKey: key(client, seq)) }) { latencies.append(at - sent) }
                        } else {
                            floodAcks += 1
                        }
                    case .refused(let client, let message):
                        guard !probeSet.contains(client) else { throw BenchFailure("probe \(client) was refused: \(message)") }
                        floodRefused += 1
                    case .closed(let client, _, let error) where client >= members:
                        throw BenchFailure("client \(client) lost its connection: \(error ?? "closed")")
                    default:
                        continue
                    }
                }
                await pacer.value
                let cpu = (try ProcessCPU.seconds(of: server.pid) - cpuBefore) / (phase.milliseconds / 1000)
                return (latencies, floodAcks, floodRefused, cpu)
            }

            let idle = try await run(flooding: false)
            log("  idle: \(idle.probes.count) probes, p50 \(LatencySummary(idle.probes).p50.formattedMilliseconds), server \((idle.cpu * 100).decimal(digits: 0)) % of a core")
            let flooded = try await run(flooding: true)
            log("  flooded: \(flooded.probes.count) probes, p50 \(LatencySummary(flooded.probes).p50.formattedMilliseconds); \(flooded.floodAcks) flood toggles acknowledged, \(flooded.floodRefused) refused; server \((flooded.cpu * 100).decimal(digits: 0)) % of a core")
            fleet.stopHeartbeats()
            return IsolationResult(
                members: members, flooders: flooders, floodRate: options.isolationFloodRate, probes: probes,
                idle: LatencySummary(idle.probes), flooded: LatencySummary(flooded.probes),
                floodAcknowledgedPerSecond: Double(flooded.floodAcks) / (phase.milliseconds / 1000),
                floodRefused: flooded.floodRefused, idleServerCPU: idle.cpu, floodServerCPU: flooded.cpu,
                setupSeconds: setup.milliseconds / 1000)
        }
    }
}
