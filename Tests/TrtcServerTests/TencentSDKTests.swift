import Foundation
import Testing
import TrtcCore
import TrtcHarness

/// Tencent's own code, unchanged, against our server.
@Suite("Tencent's official SDKs against trtc-server")
struct TencentSDKTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/tencent_sdk.py")

    private func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", Self.script.path] + arguments, name: "tencent_sdk.py")
        let status = try await process.waitForExit(timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(20))
        return (status, process.output.joined(separator: "\n") + (status == 0 || status == 3 ? "" : process.errorOutput))
    }

    private func callAPI(_ server: TestServer, _ action: String, _ body: String) async throws -> (Int32, JSONValue) {
        let (status, output) = try await run(["api", server.endpoint, TestServer.secretId, TestServer.apiSecretKey, action, body])
        return (status, try JSONCoding.parse(output))
    }

    @Test("the official Python SDK removes a user and dismisses a room; its errors carry our codes")
    func pythonSDK() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { c in
                try await c[0].enter("victim", room: .numeric(8888))
                try await c[1].enter("stayer", room: .numeric(8888))
                try await c[2].enter("s1", room: .string("str-room"))
                _ = try await c[0].next()

                let (removeStatus, removed) = try await callAPI(server, "RemoveUser",
                    "{\"SdkAppId\": \(TestServer.sdkAppId), \"RoomId\": 8888, \"UserIds\": [\"victim\"]}")
                #expect(removeStatus == 0, "\(removed)")
                #expect(try await c[0].next() == .exit(reason: .removedByServer, message: "removed from the room by the server API"))
                #expect(try await c[1].next() == .userLeave(userId: "victim", reason: .removedByServer))

                let (dismissStatus, _) = try await callAPI(server, "DismissRoom", "{\"SdkAppId\": \(TestServer.sdkAppId), \"RoomId\": 8888}")
                #expect(dismissStatus == 0)
                #expect(try await c[1].next() == .exit(reason: .roomDismissed, message: "the room was dismissed by the server API"))

                let (strStatus, _) = try await callAPI(server, "DismissRoomByStrRoomId",
                    "{\"SdkAppId\": \(TestServer.sdkAppId), \"RoomId\": \"str-room\"}")
                #expect(strStatus == 0)
                #expect(try await c[2].next() == .exit(reason: .roomDismissed, message: "the room was dismissed by the server API"))

                // The first DismissRoom again, a second later (in the same second it would be a replay, refused).
                try await Task.sleep(for: .milliseconds(1050))
                let (errorStatus, error) = try await callAPI(server, "DismissRoom", "{\"SdkAppId\": \(TestServer.sdkAppId), \"RoomId\": 8888}")
                #expect(errorStatus == 3)
                #expect(error["Code"] == .string("FailedOperation.RoomNotExist"))
            }
        }
    }

    @Test("a UserSig made by Tencent's library admits its user")
    func tencentUserSig() async throws {
        let (status, sig) = try await run(["usersig", String(TestServer.sdkAppId), TestServer.secretKey, "tencent-made"])
        #expect(status == 0)
        try await withTestServer { server in
            try await withClients(1, server) { c in
                let entry = try await c[0].enter("tencent-made", userSig: sig.trimmingCharacters(in: .whitespacesAndNewlines))
                #expect(entry.userId == "tencent-made")
            }
        }
    }
}
