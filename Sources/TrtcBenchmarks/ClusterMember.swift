import Foundation
import Logging
import Synchronization
import TrtcClient
import TrtcCore
import TrtcHarness

/// One simulated member of `trtc-bench cluster`: enters through its entry URL, follows redirects (≤ 3), heartbeats,
/// and when its connection is lost comes back through the entry URL with trtcd's back-off (`ReconnectBackoff`); records when it was admitted,
/// where, and when it was told to exit.
final class ClusterMember: Sendable {
    struct State: Sendable {
        var enteredAt: ContinuousClock.Instant?
        var node: String?
        var exitAt: ContinuousClock.Instant?
        var lostAt: ContinuousClock.Instant?
        /// What happened to its connections, for a failover's timeline (kept for probes only).
        var trace: [(at: ContinuousClock.Instant, event: String)] = []
    }

    let userId: String
    let room: UInt32
    let entry: String
    private let state = Mutex(State())

    /// Records `trace`.
    let traced: Bool

    init(userId: String, room: UInt32, entry: String, traced: Bool = false) {
        self.userId = userId
        self.room = room
        self.entry = entry
        self.traced = traced
    }

    private func note(_ event: @autoclosure () -> String) {
        guard traced else { return }
        let at = ContinuousClock.now
        let text = event()
        state.withLock { $0.trace.append((at, text)) }
    }

    var current: State { state.withLock { $0 } }

    private enum End { case redirected(String), exited, lost }

    /// Runs until cancelled or told to exit.
    func run(credentials: ServerCredentials, nodeOfURL: @escaping @Sendable (String) -> String?) async {
        var logger = Logger(label: "bench-member")
        logger.logLevel = .critical
        var target = entry
        var hops = 0
        var failures = 0
        while !Task.isCancelled {
            let end: End
            let connectedTo = target
            let enteredBefore = current.enteredAt
            note("connect \(nodeOfURL(connectedTo) ?? connectedTo)")
            do {
                end = try await SignalingClient.withConnection(server: connectedTo, logger: logger) { channel in
                    channel.send(.enter(EnterRequest(seq: channel.makeSeq(), sdkAppId: credentials.sdkAppId, userId: self.userId,
                                                     userSig: credentials.userSig(self.userId), room: .numeric(self.room))))
                    return await withTaskGroup(of: End?.self) { group in
                        group.addTask {
                            do {
                                for try await message in channel.messages {
                                    switch message {
                                    case .entered:
                                        self.note("entered")
                                        let node = nodeOfURL(connectedTo)
                                        self.state.withLock {
                                            $0.enteredAt = ContinuousClock.now
                                            $0.node = node
                                        }
                                    case .redirect(_, let url, _):
                                        self.note("redirected to \(nodeOfURL(url) ?? url)")
                                        return .redirected(url)
                                    case .exit:
                                        self.state.withLock { $0.exitAt = ContinuousClock.now }
                                        return .exited
                                    case .error(let error):
                                        // Refused (a node without its lease, no node free): try again, as trtcd does.
                                        self.note("refused: \(error)")
                                        return .lost
                                    default:
                                        continue
                                    }
                                }
                            } catch {}
                            return .lost
                        }
                        group.addTask {
                            while !Task.isCancelled {
                                try? await Task.sleep(for: .seconds(1))
                                channel.send(.heartbeat)
                            }
                            return nil
                        }
                        let end = await group.next() ?? .lost
                        group.cancelAll()
                        return end ?? .lost
                    }
                }
            } catch {
                note("cannot connect: \(error)")
                end = .lost
            }
            switch end {
            case .redirected(let url) where hops < 3:
                hops += 1
                target = url
                continue
            case .exited:
                return
            default:
                state.withLock { state in
                    // Lost while in (the first failure since its last admission).
                    if let entered = state.enteredAt, state.lostAt.map({ $0 < entered }) ?? true { state.lostAt = ContinuousClock.now }
                }
                hops = 0
                target = entry
                // trtcd's schedule: admitted on this connection, the count of failed attempts starts again.
                if current.enteredAt != enteredBefore { failures = 0 }
                try? await Task.sleep(for: ReconnectBackoff.delay(afterFailures: failures))
                failures += 1
            }
        }
    }
}
