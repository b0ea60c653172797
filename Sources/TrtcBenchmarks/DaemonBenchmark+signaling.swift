import Logging
import TrtcClient
import TrtcCore
import TrtcHarness

extension DaemonBenchmark {
    static let directUserId = "bench-direct"

    /// The same entry trtcd makes (a new WebSocket connection, `enter`, until `entered`), made from this process
    /// with the signaling client trtcd uses: what EnterRoom costs without D-Bus and without trtcd's own work.
    func measureSignalingAlone(server: ServerProcess, member: User) async throws -> LatencySummary {
        let userId = Self.directUserId
        let userSig = credentials.userSig(userId)
        let logger = Logger(label: "trtc-bench.signaling")
        var samples: [Duration] = []
        for round in 0..<(options.warmup + options.iterations) {
            let leaveMark = member.client.signals.count
            let start = ContinuousClock.now
            let entered: ContinuousClock.Instant = try await SignalingClient.withConnection(server: server.url, tls: server.trust, logger: logger) {
                channel in
                channel.send(.enter(EnterRequest(
                    seq: channel.makeSeq(), sdkAppId: Int64(credentials.sdkAppId), userId: userId, userSig: userSig,
                    roomId: Int64(Self.roomId), strRoomId: nil)))
                var entered: ContinuousClock.Instant?
                let leaveSeq = channel.makeSeq()
                for try await message in channel.messages {
                    switch message {
                    case .entered:
                        entered = .now
                        // Leave properly, so the next round's entry is not a duplicate of a lingering member.
                        channel.send(.leave(seq: leaveSeq))
                    case .ack(let seq) where seq == leaveSeq:
                        guard let entered else { throw BenchFailure("leave acknowledged before entered") }
                        return entered
                    case .error(let error):
                        throw BenchFailure("the server refused the direct entry: \(error)")
                    default:
                        continue
                    }
                }
                throw BenchFailure("the signaling connection closed during the direct entry")
            }
            try await waitForRemoteLeave(of: userId, reason: 0, at: member, from: leaveMark)
            if round >= options.warmup { samples.append(entered - start) }
        }
        return LatencySummary(samples)
    }
}
