import Foundation
import TrtcClient
import TrtcCore
import TrtcHarness

/// DismissRoom of a full room: from sending the request until the last member is told.
struct DismissResult: Sendable {
    var members: Int
    var anchors: Int
    /// Per round: request sent → last member saw `exit`.
    var toLastMember: [Duration]
    /// All members of all rounds: request sent → this member saw `exit`.
    var perMember: LatencySummary
    var setupSeconds: Double
}

extension ServerBenchmark {
    func measureDismiss() async throws -> DismissResult {
        let members = options.dismissMembers
        let anchors = min(options.dismissAnchors, members)
        log("dismiss: \(options.dismissRounds) rounds of DismissRoom on a live room of \(anchors) anchors and \(members - anchors) audience")
        return try await withServer { server, fleet in
            let api = try apiClient(server)
            try await warmUp(api)
            var toLast: [Duration] = []
            var perMember: [Duration] = []
            var setup = Duration.zero
            var roomEventsSoFar = 0
            for round in 0..<options.dismissRounds {
                let setupStart = ContinuousClock.now
                let room = UInt32(100_000 + round)
                let range = round * members..<(round + 1) * members
                let clients = Array(range)
                // A room this large is a live room (TRTC's rtc scene stops at 300): a few anchors everybody sees, the
                // rest audience. Anchors enter first, so the room events are exactly the anchors seeing each other.
                let texts = Dictionary(uniqueKeysWithValues: clients.map { client in
                    (client, enterText(client, room: room, scene: .live, role: client - range.lowerBound < anchors ? .anchor : .audience))
                })
                fleet.startHeartbeats(clients, interval: heartbeatInterval)
                try await fleet.connect(range, window: options.connectWindow, timeout: .seconds(60))
                _ = try await enterAll(Array(clients.prefix(anchors)), texts: texts, window: options.joinWindow, fleet: fleet,
                                       timeout: .seconds(60))
                _ = try await enterAll(Array(clients.dropFirst(anchors)), texts: texts, window: options.joinWindow, fleet: fleet,
                                       timeout: .seconds(120))
                roomEventsSoFar += anchors * (anchors - 1) / 2
                try await waitForRoomEvents(roomEventsSoFar, fleet: fleet, timeout: .seconds(60))
                setup += ContinuousClock.now - setupStart
                try await Task.sleep(for: .milliseconds(300))

                let (serverBefore, benchBefore) = (try ProcessCPU.seconds(of: server.pid), ProcessCPU.selfSeconds())
                // CLOCK_MONOTONIC seconds, to line the measured window up with `perf record -k CLOCK_MONOTONIC`.
                let windowStart = MonotonicClock.now / .seconds(1)
                let start = ContinuousClock.now
                let outcome = try await api.callUnique("DismissRoom", .object([
                    "SdkAppId": .integer(Int64(credentials.sdkAppId)), "RoomId": .integer(Int64(room))]), serial: apiSerial)
                guard case .success = outcome else { throw BenchFailure("DismissRoom failed: \(outcome)") }
                var told = Set<Int>()
                var last = start
                let deadline = ContinuousClock.now + .seconds(30)
                while told.count < members {
                    switch try await fleet.next(deadline: deadline, waitingFor: "\(members - told.count) exits") {
                    case .exit(let client, let at, let reason):
                        guard reason == ExitReason.roomDismissed.rawValue else {
                            throw BenchFailure("client \(client) exited with reason \(reason), not 2")
                        }
                        if told.insert(client).inserted {
                            perMember.append(at - start)
                            last = max(last, at)
                        }
                    case .closed(let client, _, _) where range.contains(client) && !told.contains(client):
                        throw BenchFailure("client \(client) was closed before being told of the dismissal")
                    default:
                        continue
                    }
                }
                toLast.append(last - start)
                fleet.stopHeartbeats()
                let windowEnd = MonotonicClock.now / .seconds(1)
                let serverCPU = try ProcessCPU.seconds(of: server.pid) - serverBefore
                let benchCPU = ProcessCPU.selfSeconds() - benchBefore
                log("  round \(round + 1): last of \(members) told after \((last - start).formattedMilliseconds); CPU meanwhile: server \(Int(serverCPU * 1000)) ms, clients \(Int(benchCPU * 1000)) ms; CLOCK_MONOTONIC \(windowStart.decimal(digits: 6))…\(windowEnd.decimal(digits: 6))")
            }
            return DismissResult(members: members, anchors: anchors, toLastMember: toLast, perMember: LatencySummary(perMember),
                                 setupSeconds: setup.milliseconds / 1000)
        }
    }
}
