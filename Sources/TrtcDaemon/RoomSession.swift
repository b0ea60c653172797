import Logging
import Synchronization
import TrtcSignalingClient
import TrtcCore

/// One room entry's connection to trtc-server: connects, enters, relays what the server says to the controller,
/// keeps the connection alive with heartbeats, and reconnects (re-entering) when the controller says so.
struct RoomSession: Sendable {
    let id: UInt64
    let server: String
    let tls: ServerTrust
    let controller: RoomController
    let logger: Logger

    func run() async {
        while true {
            let outcome = await connectOnce()
            switch await controller.sessionEnded(id, outcome) {
            case .stop:
                return
            case .reconnect(let delay):
                try? await Task.sleep(for: delay)
                guard await controller.isCurrent(id) else { return }
            }
        }
    }

    private func connectOnce() async -> SessionOutcome {
        let timing = SessionTiming()
        do {
            return try await SignalingClient.withConnection(server: server, tls: tls, logger: logger) { channel in
                guard await controller.sessionConnected(id, channel) else { return .finished }
                return await withTaskGroup(of: SessionOutcome?.self) { group in
                    group.addTask { await relay(channel, timing) }
                    group.addTask { await keepAlive(channel, timing) }
                    var result: SessionOutcome = .lost("connection closed")
                    for await outcome in group {
                        if let outcome {
                            result = outcome
                            group.cancelAll()
                            break
                        }
                    }
                    return result
                }
            }
        } catch {
            return timing.everHeard ? .lost("\(error)") : .connectFailed("\(error)")
        }
    }

    /// Hands every server message to the controller until it says the session is over or the connection ends.
    private func relay(_ channel: SignalingChannel, _ timing: SessionTiming) async -> SessionOutcome? {
        do {
            for try await message in channel.messages {
                timing.heard()
                if case .entered(let entered) = message {
                    timing.configure(entered)
                    if entered.droppedMembers > 0 {
                        logger.warning("the server listed members with invalid userIds; left out",
                                       metadata: ["count": "\(entered.droppedMembers)"])
                    }
                }
                if let outcome = await controller.sessionMessage(id, message, on: channel) { return outcome }
            }
            return timing.everHeard ? .lost("the server closed the connection") : .connectFailed("the server closed the connection")
        } catch {
            return timing.everHeard ? .lost("\(error)") : .connectFailed("\(error)")
        }
    }

    /// Sends heartbeats; closes a connection on which the server has been silent for the departure timeout.
    private func keepAlive(_ channel: SignalingChannel, _ timing: SessionTiming) async -> SessionOutcome? {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(timing.heartbeatMs))
            if Task.isCancelled { return nil }
            if timing.silenceMs > timing.deadlineMs {
                logger.warning("trtc-server silent for \(timing.silenceMs) ms; reconnecting")
                channel.close()
                return .lost("server silent")
            }
            channel.send(.heartbeat)
        }
        return nil
    }
}

/// Heartbeat interval and liveness bookkeeping of one connection, shared by its reader and its keep-alive loop.
final class SessionTiming: Sendable {
    private let lastHeardMs = Atomic<Int64>(MonotonicClock.millisecondsIncludingSuspend)
    private let heartbeat = Atomic<Int>(1000)
    private let deadline = Atomic<Int>(5000)
    private let heardAnything = Atomic<Bool>(false)

    func heard() {
        lastHeardMs.store(MonotonicClock.millisecondsIncludingSuspend, ordering: .relaxed)
        heardAnything.store(true, ordering: .relaxed)
    }

    func configure(_ entered: ServerMessage.Entered) {
        heartbeat.store(max(50, entered.heartbeatMs), ordering: .relaxed)
        deadline.store(max(500, entered.departureTimeoutMs), ordering: .relaxed)
    }

    var everHeard: Bool { heardAnything.load(ordering: .relaxed) }
    var heartbeatMs: Int { heartbeat.load(ordering: .relaxed) }
    var deadlineMs: Int { deadline.load(ordering: .relaxed) }
    var silenceMs: Int { Int(MonotonicClock.millisecondsIncludingSuspend - lastHeardMs.load(ordering: .relaxed)) }
}
