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

    /// At most this many redirects per connection attempt (a cluster answers an `enter` at a node that does not
    /// own the room with the owner's URL; docs/protocol.md, "Redirect").
    static let maxRedirects = 3

    func run() async {
        while true {
            let outcome = await connectFollowingRedirects()
            switch await controller.sessionEnded(id, outcome) {
            case .stop:
                return
            case .reconnect(let delay):
                try? await Task.sleep(for: delay)
                guard await controller.isCurrent(id) else { return }
            }
        }
    }

    /// One attempt: the configured server first (so a reconnect after a node was lost is placed anew), then each
    /// redirect's URL, at most `maxRedirects` of them. The controller sees one entry taking the time of them all.
    private func connectFollowingRedirects() async -> SessionOutcome {
        var target = server
        for hop in 0...Self.maxRedirects {
            switch await connectOnce(target) {
            case .ended(let outcome):
                return outcome
            case .redirected(let url, let node):
                guard hop < Self.maxRedirects else {
                    return .connectFailed("more than \(Self.maxRedirects) redirects (last to \(url))")
                }
                // Never from TLS to plaintext: the next `enter` carries the UserSig.
                if target.hasPrefix("wss://") && !url.hasPrefix("wss://") {
                    return .connectFailed("refused a redirect from \(target) to plaintext \(url)")
                }
                logger.info("room lives on another node; following the redirect", metadata: ["node": "\(node)", "url": "\(url)"])
                guard await controller.isCurrent(id) else { return .finished }
                target = url
            }
        }
        return .connectFailed("redirects")
    }

    /// How one connection ended: a session outcome, or a redirect to follow before the controller hears of it.
    private enum ConnectionEnd: Sendable {
        case ended(SessionOutcome)
        case redirected(url: String, node: String)
    }

    private func connectOnce(_ target: String) async -> ConnectionEnd {
        let timing = SessionTiming()
        do {
            return try await SignalingClient.withConnection(server: target, tls: tls, logger: logger) { channel in
                guard await controller.sessionConnected(id, channel, server: target) else { return .ended(.finished) }
                return await withTaskGroup(of: ConnectionEnd?.self) { group in
                    group.addTask { await relay(channel, timing) }
                    group.addTask { await keepAlive(channel, timing).map(ConnectionEnd.ended) }
                    var result: ConnectionEnd = .ended(.lost("connection closed"))
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
            return .ended(timing.everHeard ? .lost("\(error)") : .connectFailed("\(error)"))
        }
    }

    /// Hands every server message to the controller until it says the session is over or the connection ends.
    private func relay(_ channel: SignalingChannel, _ timing: SessionTiming) async -> ConnectionEnd? {
        do {
            for try await message in channel.messages {
                timing.heard()
                if case .redirect(_, let url, let node) = message {
                    channel.close()
                    return .redirected(url: url, node: node)
                }
                if case .entered(let entered) = message {
                    timing.configure(entered)
                    if entered.droppedMembers > 0 {
                        logger.warning("the server listed members with invalid userIds; left out",
                                       metadata: ["count": "\(entered.droppedMembers)"])
                    }
                }
                if let outcome = await controller.sessionMessage(id, message, on: channel) { return .ended(outcome) }
            }
            return .ended(timing.everHeard ? .lost("the server closed the connection") : .connectFailed("the server closed the connection"))
        } catch {
            return .ended(timing.everHeard ? .lost("\(error)") : .connectFailed("\(error)"))
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
