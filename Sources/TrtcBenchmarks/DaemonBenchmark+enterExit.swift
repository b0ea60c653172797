import TrtcHarness

extension DaemonBenchmark {
    struct EnterExitResult: Sendable {
        /// EnterRoom call → its reply (the server admitted the user).
        var enterReply: LatencySummary
        /// ExitRoom call → its reply.
        var exitReply: LatencySummary
        /// ExitRoom call → RemoteUserLeaveRoom(measured, 0) at the member's client (through the member's trtcd).
        var exitSeenByMember: LatencySummary
        /// EnterRoom reply → the server counted the entry's DTLS handshake done (checks + handshake of the media
        /// connection; the server's /metrics read every millisecond, so up to ~1 ms late).
        var mediaSecureAfterReply: LatencySummary
    }

    /// Enter/exit cycles of the measured user in the room the member stays in.
    func measureEnterExit(measured: User, member: User, server: ServerProcess) async throws -> EnterExitResult {
        let parameters = enterParameters(measured)
        var enterReply: [Duration] = []
        var exitReply: [Duration] = []
        var exitSeen: [Duration] = []
        var mediaSecure: [Duration] = []
        let handshakes = #"trtc_media_dtls_handshakes_total"#
        for round in 0..<(options.warmup + options.iterations) {
            let enterMark = member.client.signals.count
            let handshakesBefore = try await server.metricValue(handshakes) ?? 0
            let enterStart = ContinuousClock.now
            try await measured.client.call("EnterRoom", parameters)
            let entered = ContinuousClock.now
            let secureDeadline = entered + .seconds(5)
            while try await server.metricValue(handshakes) ?? 0 <= handshakesBefore {
                guard ContinuousClock.now < secureDeadline else { throw BenchFailure("no DTLS handshake within 5 s of entering") }
                try await Task.sleep(for: .milliseconds(1))
            }
            let secure = ContinuousClock.now
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
                mediaSecure.append(secure - entered)
            }
        }
        return EnterExitResult(enterReply: LatencySummary(enterReply), exitReply: LatencySummary(exitReply),
                               exitSeenByMember: LatencySummary(exitSeen), mediaSecureAfterReply: LatencySummary(mediaSecure))
    }
}
