extension DaemonBenchmark {
    struct EnterExitResult: Sendable {
        /// EnterRoom call → its reply (the server admitted the user).
        var enterReply: LatencySummary
        /// ExitRoom call → its reply.
        var exitReply: LatencySummary
        /// ExitRoom call → RemoteUserLeaveRoom(measured, 0) at the member's client (through the member's trtcd).
        var exitSeenByMember: LatencySummary
    }

    /// Enter/exit cycles of the measured user in the room the member stays in.
    func measureEnterExit(measured: User, member: User) async throws -> EnterExitResult {
        let parameters = enterParameters(measured)
        var enterReply: [Duration] = []
        var exitReply: [Duration] = []
        var exitSeen: [Duration] = []
        for round in 0..<(options.warmup + options.iterations) {
            let enterMark = member.client.signals.count
            let enterStart = ContinuousClock.now
            try await measured.client.call("EnterRoom", parameters)
            let entered = ContinuousClock.now
            // Settled: the member knows the measured user before it leaves again.
            try await waitForRemoteEnter(of: measured.userId, at: member, from: enterMark)

            let leaveMark = member.client.signals.count
            let exitStart = ContinuousClock.now
            try await measured.client.call("ExitRoom")
            let exited = ContinuousClock.now
            let seen = try await waitForRemoteLeave(of: measured.userId, reason: 0, at: member, from: leaveMark)
            if round >= options.warmup {
                enterReply.append(entered - enterStart)
                exitReply.append(exited - exitStart)
                exitSeen.append(seen.arrival - exitStart)
            }
        }
        return EnterExitResult(enterReply: LatencySummary(enterReply), exitReply: LatencySummary(exitReply),
                               exitSeenByMember: LatencySummary(exitSeen))
    }
}
