import TrtcClient
import TrtcCore
import TrtcHarness

extension DaemonBenchmark {
    struct RemovalResult: Sendable {
        /// RemoveUser call → the API's answer.
        var apiReply: LatencySummary
        /// RemoveUser call → ExitRoom(1) at the removed user's D-Bus client.
        var exitSeenByRemoved: LatencySummary
    }

    /// The measured user enters, the server API removes it (TC3-signed RemoveUser), until it sees ExitRoom(1).
    func measureRemoval(measured: User, member: User, server: ServerProcess) async throws -> RemovalResult {
        let api = try ServerAPIClient(endpoint: server.endpoint, secretId: credentials.secretId,
                                      secretKey: credentials.apiSecretKey, trust: server.trust)
        let body = JSONValue.object([
            "SdkAppId": .integer(Int64(credentials.sdkAppId)), "RoomId": .integer(Int64(Self.roomId)),
            "UserIds": .array([.string(measured.userId)]),
        ])
        var apiReply: [Duration] = []
        var exitSeen: [Duration] = []
        for round in 0..<(options.warmup + options.iterations) {
            let enterMark = member.client.signals.count
            try await enter(measured)
            try await waitForRemoteEnter(of: measured.userId, at: member, from: enterMark)

            let removedMark = measured.client.signals.count
            let leaveMark = member.client.signals.count
            let start = ContinuousClock.now
            let outcome = try await api.callUnique("RemoveUser", body, serial: apiSerial)
            let answered = ContinuousClock.now
            guard case .success = outcome else { throw BenchFailure("RemoveUser failed: \(outcome)") }
            let removed = try await measured.client.signals.first(
                from: removedMark, timeout: Self.signalTimeout, describing: "ExitRoom(1) at \(measured.userId)"
            ) { $0.member == "ExitRoom" && $0.arguments == [.int32(1)] }
            // Settled: the member has seen the removal too before the measured user enters again.
            try await waitForRemoteLeave(of: measured.userId, reason: 2, at: member, from: leaveMark)
            if round >= options.warmup {
                apiReply.append(answered - start)
                exitSeen.append(removed.arrival - start)
            }
        }
        return RemovalResult(apiReply: LatencySummary(apiReply), exitSeenByRemoved: LatencySummary(exitSeen))
    }
}
