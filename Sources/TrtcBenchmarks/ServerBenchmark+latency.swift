import TrtcClient
import TrtcCore

/// Entry and RemoveUser latency on an otherwise quiet server: one request at a time.
struct LatencyResult: Sendable {
    var entry: LatencySummary
    /// Through TrtcClient's ServerAPIClient (URLSession).
    var removeToNotified: LatencySummary
    var removeResponse: LatencySummary
    /// Through a plain kept-alive HTTP/1.1 connection (RawAPIConnection).
    var rawRemoveToNotified: LatencySummary
    var rawRemoveResponse: LatencySummary
}

extension ServerBenchmark {
    static let membersPerLatencyRoom = 10
    static let warmUpRequests = 20

    func measureLatency() async throws -> LatencyResult {
        log("latency: \(options.latencySamples) entries and RemoveUser calls, one at a time")
        return try await withServer { server, fleet in
            let count = options.latencySamples + Self.warmUpRequests
            let clients = Array(0..<count)
            func room(_ client: Int) -> UInt32 { UInt32(1 + client / Self.membersPerLatencyRoom) }
            let texts = Dictionary(uniqueKeysWithValues: clients.map { ($0, enterText($0, room: room($0))) })
            fleet.startHeartbeats(clients, interval: heartbeatInterval)
            try await fleet.connect(0..<count, window: options.connectWindow, timeout: .seconds(60))

            // Entries one after the other; the first few warm the server up and are not counted.
            var entries: [Duration] = []
            for client in clients {
                let (latencies, _) = try await enterAll([client], texts: texts, window: 1, fleet: fleet, timeout: .seconds(10))
                if client >= Self.warmUpRequests { entries.append(contentsOf: latencies) }
            }

            // RemoveUser one user at a time: from sending the HTTP request until the kicked client sees `exit`.
            let api = try apiClient(server)
            try await warmUp(api)
            // Every other call goes through a plain HTTP connection instead, to tell the server's part from URLSession's.
            var notified: [Duration] = []
            var responses: [Duration] = []
            var rawNotified: [Duration] = []
            var rawResponses: [Duration] = []
            try await RawAPIConnection.with(
                host: "127.0.0.1", port: server.port, secretId: credentials.secretId, secretKey: credentials.apiSecretKey
            ) { raw in
                for _ in 0..<Self.warmUpRequests {
                    _ = try await raw.call("DismissRoom", .object([
                        "SdkAppId": .integer(Int64(credentials.sdkAppId)), "RoomId": .integer(999_999)]))
                }
                for (index, client) in clients.dropFirst(Self.warmUpRequests).enumerated() {
                    if index % 2 == 0 {
                        let (toExit, response) = try await removeUser(client, room: room(client), api: api, fleet: fleet)
                        notified.append(toExit)
                        responses.append(response)
                    } else {
                        let (toExit, response) = try await removeUser(client, room: room(client), raw: raw, fleet: fleet)
                        rawNotified.append(toExit)
                        rawResponses.append(response)
                    }
                }
            }
            return LatencyResult(
                entry: LatencySummary(entries), removeToNotified: LatencySummary(notified),
                removeResponse: LatencySummary(responses), rawRemoveToNotified: LatencySummary(rawNotified),
                rawRemoveResponse: LatencySummary(rawResponses))
        }
    }

    /// A few API calls on a room that does not exist, so the HTTP client's and server's first-call costs are not measured.
    func warmUp(_ api: ServerAPIClient) async throws {
        for _ in 0..<Self.warmUpRequests {
            let outcome = try await api.callUnique("RemoveUser", .object([
                "SdkAppId": .integer(Int64(credentials.sdkAppId)), "RoomId": .integer(999_999),
                "UserIds": .array([.string("nobody")]),
            ]), serial: apiSerial)
            guard case .failure(code: "FailedOperation.RoomNotExist", _, _) = outcome else {
                throw BenchFailure("the server API answered \(outcome) to a call on a room that does not exist")
            }
        }
    }

    /// Calls RemoveUser for one client and returns (request sent → client saw `exit`, request sent → HTTP answer).
    func removeUser(_ client: Int, room: UInt32, api: ServerAPIClient, fleet: ClientFleet)
        async throws -> (notified: Duration, response: Duration) {
        try await removeUser(client, fleet: fleet) {
            let outcome = try await api.callUnique("RemoveUser", removeUserBody(client, room: room), serial: apiSerial)
            guard case .success = outcome else { throw BenchFailure("RemoveUser of client \(client) failed: \(outcome)") }
        }
    }

    func removeUser(_ client: Int, room: UInt32, raw: RawAPIConnection, fleet: ClientFleet)
        async throws -> (notified: Duration, response: Duration) {
        try await removeUser(client, fleet: fleet) {
            if let code = try await raw.call("RemoveUser", removeUserBody(client, room: room)) {
                throw BenchFailure("RemoveUser of client \(client) failed: \(code)")
            }
        }
    }

    private func removeUserBody(_ client: Int, room: UInt32) -> JSONValue {
        .object([
            "SdkAppId": .integer(Int64(credentials.sdkAppId)), "RoomId": .integer(Int64(room)),
            "UserIds": .array([.string(Self.userId(client))]),
        ])
    }

    private func removeUser(_ client: Int, fleet: ClientFleet, call: () async throws -> Void)
        async throws -> (notified: Duration, response: Duration) {
        let start = ContinuousClock.now
        try await call()
        let answered = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            switch try await fleet.next(deadline: deadline, waitingFor: "the exit of client \(client)") {
            case .exit(client, let at, let reason):
                guard reason == ExitReason.removedByServer.rawValue else {
                    throw BenchFailure("client \(client) exited with reason \(reason), not 1")
                }
                return (at - start, answered - start)
            case .closed(client, _, let error):
                throw BenchFailure("client \(client) closed before its exit: \(error ?? "closed")")
            default:
                continue
            }
        }
    }
}
