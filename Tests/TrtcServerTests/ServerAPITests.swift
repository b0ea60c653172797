import Foundation
import NIOCore
import NIOPosix
import Testing
import TrtcClient
import TrtcCore
import TrtcHarnessTesting
import TrtcServer

extension TestServer {
    var api: ServerAPIClient {
        try! ServerAPIClient(endpoint: "http://\(endpoint)", secretId: TestServer.secretId, secretKey: TestServer.apiSecretKey)
    }
}

private func body(_ fields: [String: JSONValue]) -> JSONValue { .object(fields) }

@Suite("server API: forced exits")
struct ServerAPIForcedExitTests {
    @Test("RemoveUser: the user gets exit 1, the others leave(2)")
    func removeUser() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { c in
                try await c[0].enter("victim", room: .numeric(42))
                try await c[1].enter("witness", room: .numeric(42))
                try await c[2].enter("bystander", room: .numeric(42))
                _ = try await c[0].next(); _ = try await c[0].next(); _ = try await c[1].next()
                let outcome = try await server.api.call("RemoveUser", body([
                    "SdkAppId": .integer(Int64(TestServer.sdkAppId)), "RoomId": .integer(42),
                    "UserIds": .array([.string("victim"), .string("nobody")]),
                ]))
                guard case .success(let requestId) = outcome else { throw TestFailure("RemoveUser failed: \(outcome)") }
                #expect(UUID(uuidString: requestId) != nil)
                #expect(try await c[0].next() == .exit(reason: .removedByServer, message: "removed from the room by the server API"))
                try await c[0].waitClosed()
                #expect(try await c[1].next() == .userLeave(userId: "victim", reason: .removedByServer))
                #expect(try await c[2].next() == .userLeave(userId: "victim", reason: .removedByServer))
                #expect(await server.parts.stats().users == 2)
            }
        }
    }

    @Test("RemoveUserByStrRoomId and DismissRoomByStrRoomId act on string rooms only")
    func stringRooms() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { c in
                try await c[0].enter("a", room: .string("team#7"))
                try await c[1].enter("b", room: .string("team#7"))
                try await c[2].enter("n", room: .numeric(7))
                _ = try await c[0].next()
                let app = JSONValue.integer(Int64(TestServer.sdkAppId))
                let removed = try await server.api.call("RemoveUserByStrRoomId", body([
                    "SdkAppId": app, "RoomId": .string("team#7"), "UserIds": .array([.string("b")])]))
                #expect(removed.isSuccess)
                #expect(try await c[1].next() == .exit(reason: .removedByServer, message: "removed from the room by the server API"))
                #expect(try await c[0].next() == .userLeave(userId: "b", reason: .removedByServer))

                let dismissed = try await server.api.call("DismissRoomByStrRoomId", body(["SdkAppId": app, "RoomId": .string("team#7")]))
                #expect(dismissed.isSuccess)
                #expect(try await c[0].next() == .exit(reason: .roomDismissed, message: "the room was dismissed by the server API"))
                try await c[0].waitClosed()
                try await c[2].expectNothing()
                #expect(await server.parts.stats() == .init(rooms: 1, users: 1, connections: 1))
            }
        }
    }

    @Test("DismissRoom: every member gets exit 2; the room is gone")
    func dismissRoom() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { c in
                for (index, client) in c.enumerated() { try await client.enter("m\(index)", room: .numeric(9)) }
                let app = JSONValue.integer(Int64(TestServer.sdkAppId))
                #expect(try await server.api.call("DismissRoom", body(["SdkAppId": app, "RoomId": .integer(9)])).isSuccess)
                for client in c {
                    var last = try await client.next()
                    while case .userEnter = last { last = try await client.next() }
                    #expect(last == .exit(reason: .roomDismissed, message: "the room was dismissed by the server API"))
                    try await client.waitClosed()
                }
                // Signed for another second than the first call, which the replay cache would refuse as a replay.
                let again = try await server.api.call("DismissRoom", body(["SdkAppId": app, "RoomId": .integer(9)]),
                                                      timestamp: Int(Date().timeIntervalSince1970) + 100)
                #expect(again.code == "FailedOperation.RoomNotExist")
            }
        }
    }

    @Test("a dismissed member cannot enter again on the connection being closed")
    func noReentryOnClosingConnection() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { c in
                try await c[0].enter("stays", room: .numeric(7))
                try await c[1].enter("dismissed", room: .numeric(9))
                let app = JSONValue.integer(Int64(TestServer.sdkAppId))
                #expect(try await server.api.call("DismissRoom", body(["SdkAppId": app, "RoomId": .integer(9)])).isSuccess)
                #expect(try await c[1].next() == .exit(reason: .roomDismissed, message: "the room was dismissed by the server API"))
                // Straight after the exit, before the server's close arrives: ignored, not admitted.
                c[1].send(.enter(EnterRequest(seq: 50, sdkAppId: TestServer.sdkAppId, userId: "dismissed",
                                              userSig: TestServer.userSig("dismissed"), room: .numeric(9))))
                try await c[1].waitClosed()
                #expect(await server.connectionsDrop(to: 1))
                #expect(await server.parts.stats() == ServerStats(rooms: 1, users: 1, connections: 1))
                #expect(try await c[0].request { .publish(seq: $0, video: true, audio: nil) } == .ack(seq: 2))
            }
        }
    }
}

@Suite("server API: every error code")
struct ServerAPIErrorTests {
    @Test("authentication errors")
    func authentication() async throws {
        try await withTestServer { server in
            let app = JSONValue.integer(Int64(TestServer.sdkAppId))
            let dismiss = body(["SdkAppId": app, "RoomId": .integer(1)])
            #expect(try await server.api.call("DismissRoom", dismiss, signingKey: "wrong").code == "AuthFailure.SignatureFailure")
            let now = Int(Date().timeIntervalSince1970)
            #expect(try await server.api.call("DismissRoom", dismiss, timestamp: now - 301).code == "AuthFailure.SignatureExpire")
            #expect(try await server.api.call("DismissRoom", dismiss, timestamp: now + 400).code == "AuthFailure.SignatureExpire")
            // Security L2: as Tencent's, the message names the request's timestamp and the window, not the server's time.
            if case .failure(_, let message, _) = try await server.api.call("DismissRoom", dismiss, timestamp: now - 301) {
                let later = Int(Date().timeIntervalSince1970)
                #expect(!(now - 2...later + 2).contains { message.contains(String($0)) }, "\(message)")
                #expect(message.contains(String(now - 301)) && message.contains("300 s"), "\(message)")
            } else {
                Issue.record("an expired timestamp was accepted")
            }
            let stranger = try ServerAPIClient(endpoint: server.endpoint, secretId: "AKIDunknown", secretKey: "x")
            #expect(try await stranger.call("DismissRoom", dismiss).code == "AuthFailure.SecretIdNotFound")
            // Unsigned requests are answered with at most the bytes they sent (security.md, "Amplification"): these small
            // hand-made ones only when padded to the size of an SDK's request, else the connection closes unanswered.
            let padding = ["X-Padding": String(repeating: "p", count: 300)]
            let noAuthHeaders = ["Content-Type": "application/json", "X-TC-Action": "DismissRoom", "X-TC-Version": "2019-07-22",
                                 "X-TC-Timestamp": String(now)]
            await #expect(throws: (any Error).self) { try await server.api.send(payload: Array("{}".utf8), headers: noAuthHeaders) }
            let noAuth = try await server.api.send(payload: Array("{}".utf8), headers: noAuthHeaders.merging(padding) { $1 })
            #expect(noAuth.code == "AuthFailure.SignatureFailure")
            let garbage = try await server.api.send(payload: Array("{}".utf8), headers: [
                "Content-Type": "application/json", "X-TC-Action": "DismissRoom", "X-TC-Version": "2019-07-22",
                "X-TC-Timestamp": String(now), "Authorization": "TC3-HMAC-SHA256 nonsense"].merging(padding) { $1 })
            #expect(garbage.code == "AuthFailure.SignatureFailure")
            let noTimestamp = try await server.api.send(payload: Array("{}".utf8), headers: [
                "Content-Type": "application/json", "X-TC-Action": "DismissRoom", "Authorization": "x"].merging(padding) { $1 })
            #expect(noTimestamp.code == "AuthFailure.SignatureFailure")
        }
    }

    @Test("the server answers and closes before the request is all written: that answer is the outcome, not \"I/O on closed channel\"")
    func answerBeforeTheWholeRequest() async throws {
        // ServerAPIGuardTests failed once under load with "I/O on closed channel": HTTPExchange wrote a request part by
        // part, and a client held up before its last part found the connection closed by a server that had answered.
        // Forced here: the exchange's task runs on its channel's event loop, so writes reach the socket at once; the
        // body is more than both sockets' buffers hold, so the writer is told to wait for writability, and the server,
        // which stops reading at its body limit, answers and closes meanwhile. The client then has the answer.
        let kernelBuffers = try ["/proc/sys/net/ipv4/tcp_rmem", "/proc/sys/net/ipv4/tcp_wmem"].reduce(0) { sum, path in
            let maximum = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isWhitespace).last
            return sum + (maximum.flatMap { Int($0) } ?? 0)
        }
        try await withTestServer { server in
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let response = try await withTaskExecutorPreference(EventLoopTaskExecutor(loop)) {
                try await HTTPExchange.perform(
                    .POST, try ServerURL("http://\(server.endpoint)/"),
                    headers: [("Content-Type", "application/json"), ("X-TC-Action", "DismissRoom"), ("X-TC-Version", "2019-07-22")],
                    body: [UInt8](repeating: 0x20, count: kernelBuffers + (8 << 20)), eventLoopGroup: loop)
            }
            let outcome = try ServerAPIClient.parse(response.body)
            #expect(outcome.code == "InvalidParameter" && outcome.message?.contains("exceeds") == true, "\(outcome)")
        }
    }

    @Test("action, parameter and state errors")
    func parameters() async throws {
        try await withTestServer { server in try await Self.checkParameters(server.api) }
    }

    private static func checkParameters(_ api: ServerAPIClient) async throws {
        do {
            let app = JSONValue.integer(Int64(TestServer.sdkAppId))
            #expect(try await api.call("ExplodeRoom", body(["SdkAppId": app])).code == "InvalidAction")
            #expect(try await api.call("DismissRoom", body(["SdkAppId": app, "RoomId": .integer(1)]), version: "2018-01-01").code == "NoSuchVersion")
            #expect(try await api.call("DismissRoom", body(["RoomId": .integer(1)])).code == "MissingParameter.SdkAppId")
            #expect(try await api.call("DismissRoom", body(["SdkAppId": app])).code == "MissingParameter.RoomId")
            #expect(try await api.call("RemoveUser", body(["SdkAppId": app, "RoomId": .integer(1)])).code == "MissingParameter.UserIds")
            #expect(try await api.call("DismissRoom", body(["SdkAppId": .string("1400000001"), "RoomId": .integer(1)])).code == "InvalidParameter.SdkAppId")
            #expect(try await api.call("DismissRoom", body(["SdkAppId": .integer(0), "RoomId": .integer(1)])).code == "InvalidParameter.SdkAppId")
            #expect(try await api.call("DismissRoom", body(["SdkAppId": .integer(1_400_009_999), "RoomId": .integer(1)])).code == "UnauthorizedOperation.SdkAppId")
            #expect(try await api.call("DismissRoom", body(["SdkAppId": app, "RoomId": .integer(0)])).code == "InvalidParameter.RoomId")
            #expect(try await api.call("DismissRoom", body(["SdkAppId": app, "RoomId": .integer(4_294_967_295)])).code == "InvalidParameter.RoomId")
            #expect(try await api.call("DismissRoom", body(["SdkAppId": app, "RoomId": .string("1")])).code == "InvalidParameter.RoomId")
            #expect(try await api.call("DismissRoomByStrRoomId", body(["SdkAppId": app, "RoomId": .integer(1)])).code == "InvalidParameter.RoomId")
            #expect(try await api.call("DismissRoomByStrRoomId", body(["SdkAppId": app, "RoomId": .string("bad/room")])).code == "InvalidParameter.RoomId")
            let eleven = JSONValue.array((0..<11).map { .string("u\($0)") })
            #expect(try await api.call("RemoveUser", body(["SdkAppId": app, "RoomId": .integer(1), "UserIds": eleven])).code == "InvalidParameter.UserIds")
            #expect(try await api.call("RemoveUser", body(["SdkAppId": app, "RoomId": .integer(1), "UserIds": .array([])])).code == "InvalidParameter.UserIds")
            #expect(try await api.call("RemoveUser", body(["SdkAppId": app, "RoomId": .integer(1), "UserIds": .string("u1")])).code == "InvalidParameter.UserIds")
            #expect(try await api.call("RemoveUser", body(["SdkAppId": app, "RoomId": .integer(1), "UserIds": .array([.integer(5)])])).code == "InvalidParameter.UserIds")
            #expect(try await api.call("RemoveUser", body(["SdkAppId": app, "RoomId": .integer(1), "UserIds": .array([.string("bad id!")])])).code == "InvalidParameter.UserIds")
            #expect(try await api.call("RemoveUser", body(["SdkAppId": app, "RoomId": .integer(1), "UserIds": .array([.string("u1")])])).code == "FailedOperation.RoomNotExist")
            #expect(try await api.call("DismissRoom", payload: Array("{\"SdkAppId\": 14".utf8)).code == "InvalidParameter")
            #expect(try await api.call("DismissRoom", payload: Array("[1,2]".utf8)).code == "InvalidParameter")
            #expect(try await api.call("DismissRoom", payload: [UInt8](repeating: 0x20, count: 200_000)).code == "InvalidParameter")
            // After all that, the API still works.
            #expect(try await api.call("DismissRoom", body(["SdkAppId": app, "RoomId": .integer(5)])).code == "FailedOperation.RoomNotExist")
        }
    }
}

/// Runs a task's jobs on one NIO event loop (this swift-nio has no such executor of its own).
private final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop
    init(_ loop: any EventLoop) { self.loop = loop }
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

extension ServerAPIClient.Outcome {
    var isSuccess: Bool { if case .success = self { true } else { false } }
    var code: String? { if case .failure(let code, _, _) = self { code } else { nil } }
    var message: String? { if case .failure(_, let message, _) = self { message } else { nil } }
}
