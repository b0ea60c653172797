import Foundation
import Synchronization
import Testing
import TrtcCore
import TrtcHarnessTesting

/// Security finding M3: room state changes of one room must not hold up any other room. A room of 2,000 members is
/// kept busy by eight anchors toggling their publishing as fast as the server acknowledges (the server's per-session
/// limit is off, so every toggle is allowed), each toggle told to every member; meanwhile another room's member asks
/// for changes one at a time. (Eight, so that the event loop of the other room's connection also serves a flooder:
/// with one lock for all rooms, that loop then waits for the busy room, and so does the other room.)
@Suite("rooms: a busy room does not hold up the others")
struct RoomIsolationTests {
    static let members = 2_000
    static let flooders = 8
    static let window = 50

    @Test("a flooded room of 2,000 members: another room's changes are answered as fast as when it is idle")
    func busyRoomLeavesOtherRoomsAlone() async throws {
        try await withTestServer(departureTimeout: .seconds(300), configure: { $0.stateChangesPerSecond = 0 }) { server in
            try await Self.enterAndVanish(Self.members, room: 7, port: server.port)
            #expect(try await server.health().users == Self.members)
            try await withClients(Self.flooders + 2, server) { clients in
                let (probe, watcher) = (clients[0], clients[1])
                let flooders = Array(clients.dropFirst(2))
                for (index, flooder) in flooders.enumerated() { try await flooder.enter("flooder-\(index)", room: .numeric(7)) }
                try await probe.enter("probe", room: .numeric(8))
                try await watcher.enter("watcher", room: .numeric(8))
                _ = try await probe.next()  // userEnter watcher

                let idle = try await Self.probeLatencies(probe, count: 20)
                let flood = Flood()
                let (elapsed, flooded) = try await withThrowingTaskGroup(of: Void.self) { tasks in
                    for flooder in flooders {
                        tasks.addTask { try await Self.flood(flooder, flood) }
                    }
                    // Let the flood fill the room's queue before measuring.
                    try await Task.sleep(for: .milliseconds(500))
                    let start = ContinuousClock.now
                    let flooded = try await Self.probeLatencies(probe, count: 30)
                    let elapsed = ContinuousClock.now - start
                    flood.stop.store(true, ordering: .relaxed)
                    try await tasks.waitForAll()
                    return (elapsed, flooded)
                }
                let toggles = flood.acknowledged.load(ordering: .relaxed)
                let idleMedian = Self.median(idle)
                let floodedMedian = Self.median(flooded)
                print("room isolation: idle median \(idleMedian), flooded median \(floodedMedian), flooded p90 \(Self.percentile(flooded, 0.9)); \(toggles) toggles of the busy room acknowledged, \(toggles * Self.members) messages to its members in \(elapsed)")
                #expect(toggles >= 100, "the busy room was busy: \(toggles) toggles acknowledged")
                // Unchanged, up to what sharing two cores with the flood costs.
                #expect(floodedMedian <= idleMedian + .milliseconds(10), "median \(floodedMedian) flooded, \(idleMedian) idle")
                #expect(Self.percentile(flooded, 0.9) <= idleMedian + .milliseconds(50), "\(flooded)")
                // The watcher was told of every change of its room, in order.
                var videos: [Bool] = []
                while let message = try? await watcher.next(timeout: .milliseconds(300)) {
                    if case .userVideo(_, let available, _) = message { videos.append(available) }
                }
                #expect(videos.count == 50 && zip(videos, videos.dropFirst()).allSatisfy { $0 != $1 }, "\(videos)")
            }
        }
    }

    /// `count` members enter `room` (audience of the live scene: nobody is told of them) and drop their connections: they
    /// stay members until their departure timeout, and every change of the room is sent to each of them.
    static func enterAndVanish(_ count: Int, room: Int64, port: Int) async throws {
        try await Task.detached {
            for index in 0..<count {
                let socket = try RawWebSocket(port: port, path: Signaling.path)
                let userId = "member-\(index)"
                socket.sendText(ClientMessage.enter(EnterRequest(
                    seq: 1, sdkAppId: TestServer.sdkAppId, userId: userId, userSig: TestServer.userSig(userId),
                    room: .numeric(UInt32(room)), scene: .live, role: .audience, video: false, audio: false)).text)
                while true {
                    let frame = try socket.receive()
                    if frame.text.contains("\"type\":\"entered\"") { break }
                    guard !frame.text.contains("\"type\":\"error\"") else { throw TestFailure("\(userId): \(frame.text)") }
                }
            }
        }.value
    }

    final class Flood: Sendable {
        let stop = Atomic<Bool>(false)
        let acknowledged = Atomic<Int>(0)
    }

    /// Toggles publishing with `window` toggles unanswered at a time until `flood.stop`.
    static func flood(_ client: TestClient, _ flood: Flood) async throws {
        var seq: UInt32 = 1000
        func toggle() {
            seq += 1
            client.send(.publish(seq: seq, video: seq % 2 == 0, audio: nil))
        }
        for _ in 0..<window { toggle() }
        var outstanding = window
        while outstanding > 0 {
            switch try await client.next(timeout: .seconds(60)) {
            case .ack:
                outstanding -= 1
                flood.acknowledged.add(1, ordering: .relaxed)
                if !flood.stop.load(ordering: .relaxed) {
                    toggle()
                    outstanding += 1
                }
            case .error(let error):
                throw TestFailure("a toggle was refused: \(error)")
            default:
                continue
            }
        }
    }

    /// Publish toggles one at a time: each one's time from request to answer.
    static func probeLatencies(_ probe: TestClient, count: Int) async throws -> [Duration] {
        var latencies: [Duration] = []
        for index in 0..<count {
            let start = ContinuousClock.now
            let answer = try await probe.request { .publish(seq: $0, video: index % 2 == 0, audio: nil) }
            guard case .ack = answer else { throw TestFailure("the probe's toggle was answered \(answer)") }
            latencies.append(ContinuousClock.now - start)
        }
        return latencies
    }

    static func median(_ samples: [Duration]) -> Duration { percentile(samples, 0.5) }

    static func percentile(_ samples: [Duration], _ fraction: Double) -> Duration {
        let sorted = samples.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }
}
