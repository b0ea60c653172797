import Foundation
import Testing
import TrtcCore
import TrtcServer

/// Before `enter`, a connection is somebody who has proven nothing: it gets a fixed time to enter, and nothing it
/// sends in the meantime buys it more (security.md H1, H2).
@Suite("before enter: the enter deadline, pings are no sign of life")
struct EnterDeadlineTests {
    typealias Op = WebSocketFramingTests

    @Test("a connection that does not enter is closed with 1008 at the deadline, though it pings and heartbeats; members stay")
    func enterDeadline() async throws {
        try await withTestServer(departureTimeout: .seconds(60), configure: { $0.enterTimeout = .milliseconds(500) }) { server in
            try await withClients(1, server) { clients in
                try await clients[0].enter("member")
                let idler = try RawWebSocket(port: server.port, path: Signaling.path)
                #expect(idler.isUpgraded)
                let started = ContinuousClock.now
                let close = try await idler.keepBusy(until: started + .seconds(5), answers: 2) {
                    idler.send(.init(opcode: Op.opPing, payload: [7]))
                    idler.sendText(ClientMessage.heartbeat.text)
                }
                let elapsed = ContinuousClock.now - started
                #expect(close?.status == 1008, "\(String(describing: close)) after \(elapsed)")
                #expect(close?.reason == "enter timeout")
                #expect(elapsed >= .milliseconds(450) && elapsed < .seconds(3), "\(elapsed)")
                idler.send(.init(opcode: Op.opClose, payload: [0x03, 0xF0]))
                #expect(idler.isClosedByServer())
                #expect(server.parts.metrics.sample("trtc_connection_timeouts_total{phase=\"enter\"}") == 1)

                // The member's connection is older than the deadline, and entered: untouched.
                #expect(try await clients[0].request { .publish(seq: $0, video: true, audio: nil) } == .ack(seq: 2))
            }
        }
    }

    @Test("a connection that enters in time stays past the deadline")
    func enteredInTime() async throws {
        try await withTestServer(configure: { $0.enterTimeout = .milliseconds(300) }) { server in
            try await withClients(1, server) { clients in
                try await Task.sleep(for: .milliseconds(150))
                try await clients[0].enter("late-but-in-time")
                try await Task.sleep(for: .milliseconds(500))
                #expect(!clients[0].isClosed)
                #expect(try await clients[0].request { .publish(seq: $0, video: nil, audio: true) } == .ack(seq: 2))
            }
        }
    }

    @Test("before enter, pings are no sign of life: a connection that only pings is closed as idle (1001)")
    func pingsAreNotLiveness() async throws {
        try await withTestServer(departureTimeout: .milliseconds(500), configure: { $0.enterTimeout = .seconds(60) }) { server in
            let pinger = try RawWebSocket(port: server.port, path: Signaling.path)
            let started = ContinuousClock.now
            let close = try await pinger.keepBusy(until: started + .seconds(5), answers: 1) {
                pinger.send(.init(opcode: Op.opPing, payload: [1, 2]))
            }
            let elapsed = ContinuousClock.now - started
            #expect(close?.status == 1001, "\(String(describing: close)) after \(elapsed)")
            #expect(elapsed < .seconds(3), "\(elapsed)")
        }
    }
}

extension RawWebSocket {
    typealias Close = (status: UInt16, reason: String)

    /// Every 100 ms calls `send` and reads its `answers` frames, until the server's close frame comes instead (returned)
    /// or `deadline` passes (nil).
    func keepBusy(until deadline: ContinuousClock.Instant, answers: Int, _ send: () -> Void) async throws -> Close? {
        while ContinuousClock.now < deadline {
            send()
            for _ in 0..<answers {
                let frame = try receive()
                if frame.opcode == WebSocketFramingTests.opClose { return frame.close }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }
}

extension RawWebSocket.Frame {
    /// A close frame's status code and reason.
    var close: RawWebSocket.Close? {
        guard payload.count >= 2 else { return nil }
        return (UInt16(payload[0]) << 8 | UInt16(payload[1]), String(decoding: payload.dropFirst(2), as: UTF8.self))
    }
}

extension ServerMetrics {
    /// One sample of the server's metrics, read in-process (a GET /metrics would be a connection of its own).
    func sample(_ name: String) -> Int {
        for line in registry.emitToString().split(separator: "\n") where line.hasPrefix(name + " ") {
            return Int(Double(line.dropFirst(name.count + 1)) ?? -1)
        }
        return 0
    }
}
