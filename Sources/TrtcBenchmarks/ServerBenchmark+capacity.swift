import TrtcClient
import TrtcCore
import TrtcHarness

/// Many users entering at once, then held with heartbeats: join rate, memory per user, and whether all stay.
struct CapacityResult: Sendable {
    var users: Int
    var rooms: Int
    var connectSeconds: Double
    var joinSeconds: Double
    var entryUnderLoad: LatencySummary
    var idleRSS: Int
    /// All connected, none entered yet.
    var connectedRSS: Int
    var loadedRSS: Int
    var holdSeconds: Double
    var health: ServerHealth
    var lostDuringHold: Int
    /// Server CPU while holding (heartbeats only), as a fraction of one core.
    var holdCPU: Double
    /// While entering: server and client CPU as fractions of one core.
    var joinServerCPU: Double
    var joinClientCPU: Double
    var removeUnderLoad: LatencySummary

    var joinsPerSecond: Double { Double(users) / joinSeconds }
    var bytesPerUser: Double { Double(loadedRSS - idleRSS) / Double(users) }
    var held: Bool { lostDuringHold == 0 && health.users == users && health.connections == users && health.rooms == rooms }
}

extension ServerBenchmark {
    func measureCapacity() async throws -> CapacityResult {
        let users = options.users
        let rooms = options.rooms
        log("capacity: \(users) users in \(rooms) rooms, entering \(options.joinWindow) at a time, held \(options.holdSeconds) s")
        return try await withServer { server, fleet in
            let clients = Array(0..<users)
            func room(_ client: Int) -> UInt32 { UInt32(1 + client % rooms) }
            let texts = Dictionary(uniqueKeysWithValues: clients.map { ($0, enterText($0, room: room($0))) })
            try await Task.sleep(for: .milliseconds(500))
            let idleRSS = try ResidentMemory.of(server.pid).resident

            // Heartbeats from the moment each client is connected, as trtcd sends them: the server closes
            // connections that stay silent for the departure timeout, in a room or not.
            fleet.startHeartbeats(clients, interval: heartbeatInterval)
            let connectStart = ContinuousClock.now
            try await fleet.connect(0..<users, window: options.connectWindow, timeout: .seconds(300))
            let connectTime = ContinuousClock.now - connectStart
            try await Task.sleep(for: .milliseconds(300))
            let connectedRSS = try ResidentMemory.of(server.pid).resident
            log("  \(users) connected in \(connectTime.formattedMilliseconds); server RSS \(idleRSS.mebibytes) idle, \(connectedRSS.mebibytes) connected")
            if options.bareServer {
                throw BenchFailure("bare WebSocket server: \(((Double(connectedRSS - idleRSS) / Double(users)) / 1024).decimal(digits: 1)) KiB per connection; it has no rooms, so the benchmark stops here")
            }
            try await Task.sleep(for: .milliseconds(300))

            let (serverBefore, benchBefore) = (try ProcessCPU.seconds(of: server.pid), ProcessCPU.selfSeconds())
            let (entries, joinTime) = try await enterAll(
                clients, texts: texts, window: options.joinWindow, fleet: fleet, timeout: .seconds(300))
            let joinServerCPU = (try ProcessCPU.seconds(of: server.pid) - serverBefore) / (joinTime.milliseconds / 1000)
            let joinBenchCPU = (ProcessCPU.selfSeconds() - benchBefore) / (joinTime.milliseconds / 1000)
            log("  \(users) entered in \(joinTime.formattedMilliseconds); CPU: server \((joinServerCPU * 100).decimal(digits: 0)) %, clients \((joinBenchCPU * 100).decimal(digits: 0)) % of one core")

            // Hold: nothing but heartbeats; nobody may be dropped.
            let cpuBefore = try ProcessCPU.seconds(of: server.pid)
            let holdStart = ContinuousClock.now
            let holdEnd = holdStart + .milliseconds(Int64(options.holdSeconds * 1000))
            var lost = 0
            while let event = await fleet.next(before: holdEnd) {
                switch event {
                case .exit, .closed: lost += 1
                default: continue
                }
            }
            let holdTime = ContinuousClock.now - holdStart
            let holdCPU = (try ProcessCPU.seconds(of: server.pid) - cpuBefore) / (holdTime.milliseconds / 1000)
            let health = try await server.health()
            let loadedRSS = try ResidentMemory.of(server.pid).resident
            log("  held \(holdTime.formattedMilliseconds): healthz users \(health.users), rooms \(health.rooms), connections \(health.connections), lost \(lost)")

            // RemoveUser while the others are held, one user per room.
            let api = try apiClient(server)
            try await warmUp(api)
            var removals: [Duration] = []
            for index in 0..<min(options.removeSamplesUnderLoad, rooms) {
                let client = clients[index]
                let (toExit, _) = try await removeUser(client, room: room(client), api: api, fleet: fleet)
                removals.append(toExit)
            }
            return CapacityResult(
                users: users, rooms: rooms, connectSeconds: connectTime.milliseconds / 1000,
                joinSeconds: joinTime.milliseconds / 1000, entryUnderLoad: LatencySummary(entries), idleRSS: idleRSS,
                connectedRSS: connectedRSS,
                loadedRSS: loadedRSS, holdSeconds: holdTime.milliseconds / 1000, health: health, lostDuringHold: lost,
                holdCPU: holdCPU, joinServerCPU: joinServerCPU, joinClientCPU: joinBenchCPU, removeUnderLoad: LatencySummary(removals))
        }
    }
}
