import Testing
import TrtcCore
import TrtcHarnessTesting

/// A member toggling its publishing state as fast as it can: every toggle would reach every other member (M3).
@Suite("signaling: room state changes are rate-limited per session")
struct SignalingRateLimitTests {
    @Test("100 publish toggles at once: the burst of 20 (less the enter) acknowledged and told to the room, the rest refused; a second later it works again")
    func publishToggles() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { clients in
                let (toggler, watcher) = (clients[0], clients[1])
                try await watcher.enter("watcher")
                try await toggler.enter("toggler")
                _ = try await watcher.next()  // userEnter toggler
                let started = ContinuousClock.now
                for round in 0..<100 {
                    toggler.send(.publish(seq: UInt32(100 + round), video: round % 2 == 0, audio: nil))
                }
                var acks = 0
                var refused = 0
                for _ in 0..<100 {
                    switch try await toggler.next() {
                    case .ack: acks += 1
                    case .error(let error) where error.kind == .refused && error.message.contains("too many"): refused += 1
                    case let other: throw TestFailure("unexpected answer \(other)")
                    }
                }
                let elapsed = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
                #expect(acks + refused == 100)
                // The enter took one of the 20.
                #expect(acks >= 19 && Double(acks) <= 19 + 10 * elapsed + 1, "\(acks) acknowledged in \(elapsed) s")
                // The room heard only the acknowledged changes.
                var told = 0
                while let message = try? await watcher.next(timeout: .milliseconds(300)) {
                    if case .userVideo = message { told += 1 }
                }
                #expect(told <= acks)
                #expect(try await server.metric("trtc_signaling_state_changes_refused_total") == refused)
                try await Task.sleep(for: .milliseconds(1100))
                let later = try await toggler.request { .publish(seq: $0, video: false, audio: nil) }
                guard case .ack = later else { throw TestFailure("a second later the change was answered \(later)") }
            }
        }
    }
}
