import Foundation
import Testing
import TrtcClient
import TrtcCore

/// The server API after the signature: a signature is good once, and a SecretId has a request rate.
@Suite("server API: replayed requests and the rate limit per SecretId")
struct ServerAPIGuardTests {
    static func dismiss(_ room: Int64) -> JSONValue {
        .object(["SdkAppId": .integer(Int64(TestServer.sdkAppId)), "RoomId": .integer(room)])
    }

    @Test("the same signed request twice: the second is refused as a replay; signed anew it is answered")
    func replayRefused() async throws {
        try await withTestServer { server in
            let now = Int(Date().timeIntervalSince1970)
            let first = try await server.api.call("DismissRoom", Self.dismiss(31), timestamp: now)
            #expect(first.code == "FailedOperation.RoomNotExist")
            let replayed = try await server.api.call("DismissRoom", Self.dismiss(31), timestamp: now)
            #expect(replayed.code == "AuthFailure.SignatureFailure")
            #expect(replayed.message?.contains("replayed") == true, "\(replayed)")
            // Another second, another signature: a fresh request.
            #expect(try await server.api.call("DismissRoom", Self.dismiss(31), timestamp: now - 1).code == "FailedOperation.RoomNotExist")
            // An old signature stays refused for the whole window, also when replayed minutes later (same timestamp).
            #expect(try await server.api.call("DismissRoom", Self.dismiss(31), timestamp: now).code == "AuthFailure.SignatureFailure")
        }
    }

    @Test("a signature is good for one request whatever action comes with it: the same signed body as another action is a replay")
    func anotherActionIsAReplay() async throws {
        try await withTestServer { server in
            try await withClients(1, server) { clients in
                try await clients[0].enter("stays", room: .numeric(33))
                let now = Int(Date().timeIntervalSince1970)
                // Signed as Tencent's SDKs sign: content-type and host only, so X-TC-Action is not in the signature.
                let payload = Array(#"{"RoomId":33,"SdkAppId":\#(TestServer.sdkAppId),"UserIds":["nobody"]}"#.utf8)
                let authorization = TC3.authorization(
                    secretId: TestServer.secretId, secretKey: TestServer.apiSecretKey, service: "trtc", method: "POST", path: "/",
                    query: "", headers: ["content-type": "application/json", "host": server.endpoint], payload: payload, timestamp: now)
                func send(_ action: String) async throws -> ServerAPIClient.Outcome {
                    try await server.api.send(payload: payload, headers: [
                        "Content-Type": "application/json", "X-TC-Action": action, "X-TC-Version": "2019-07-22",
                        "X-TC-Timestamp": String(now), "Authorization": authorization,
                    ])
                }
                let removal = try await send("RemoveUser")
                #expect(removal.code == nil, "\(removal)")
                let asDismissal = try await send("DismissRoom")
                #expect(asDismissal.code == "AuthFailure.SignatureFailure" && asDismissal.message?.contains("replayed") == true, "\(asDismissal)")
                #expect(try await server.health().users == 1, "the room is still there")
            }
        }
    }

    @Test("more than the limit per second: RequestLimitExceeded, counted; a second later requests pass again")
    func rateLimited() async throws {
        try await withTestServer(configure: { $0.apiRequestsPerSecond = 5 }) { server in
            let now = Int(Date().timeIntervalSince1970)
            var codes: [String] = []
            for offset in 0..<20 {
                // Distinct signatures (timestamps within the window), so none is a replay.
                codes.append(try await server.api.call("DismissRoom", Self.dismiss(32), timestamp: now - offset).code ?? "")
            }
            let limited = codes.filter { $0 == "RequestLimitExceeded" }.count
            let answered = codes.filter { $0 == "FailedOperation.RoomNotExist" }.count
            #expect(limited + answered == 20, "\(codes)")
            #expect(answered >= 5 && answered <= 8, "a burst of 5 plus what 5/s refills meanwhile: \(answered)")
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await server.api.call("DismissRoom", Self.dismiss(32), timestamp: now - 100).code == "FailedOperation.RoomNotExist")
        }
    }
}
