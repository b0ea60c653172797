import Foundation
import Logging
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness

@Suite("the trtc-server executable")
struct ServerProcessTests {
    @Test("no flags: working server with printed, persisted development credentials; SIGTERM tells clients and exits")
    func embeddedDefaults() async throws {
        let server = try await ServerProcess.start()
        let first = (server.sdkAppId, server.secretKey, server.secretId, server.apiSecretKey)
        #expect(server.sdkAppId == 1_400_000_001)
        #expect(server.secretKey.count == 64)
        #expect(server.secretId.hasPrefix("AKID"))
        let attributes = try FileManager.default.attributesOfItem(atPath: server.stateDir.appendingPathComponent("credentials.json").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        var logger = Logger(label: "t")
        logger.logLevel = .error
        let url = server.url
        let key = server.secretKey
        try await SignalingClient.withConnection(server: url, tls: server.trust, logger: logger) { channel in
            let client = TestClient(channel: channel)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { await client.pump() }
                let sig = UserSig.generate(sdkAppId: 1_400_000_001, userId: "dev", secretKey: key, expire: 600)
                try await client.enter("dev", userSig: sig)
                // The API works with the printed credential.
                let api = try ServerAPIClient(endpoint: server.endpoint, secretId: server.secretId, secretKey: server.apiSecretKey,
                                              trust: server.trust)
                #expect(try await api.call("DismissRoom", .object(["SdkAppId": .integer(1_400_000_001), "RoomId": .integer(99)])).code
                        == "FailedOperation.RoomNotExist")
                server.process.signal(SIGTERM)
                #expect(try await client.next() == .shutdown(message: "server is shutting down"))
                // The client is told before the server goes; the generous bound only catches a server that hangs.
                #expect(try await server.process.waitForExit(timeout: .seconds(30)) == 0)
                try await client.waitClosed()
                tasks.cancelAll()
            }
        }

        // Restarted on the same state dir: the same credentials. The keys were printed when made, and only then
        // (the banner usually ends in the journal; security M2): now the banner names the file.
        #expect(server.process.output.contains { $0.contains(first.1) } && server.process.output.contains { $0.contains(first.3) })
        let again = try await ServerProcess.start(stateDir: server.stateDir)
        #expect(again.sdkAppId == first.0 && again.secretKey == first.1 && again.secretId == first.2 && again.apiSecretKey == first.3)
        #expect(!again.process.output.contains { $0.contains(first.1) || $0.contains(first.3) }, "\(again.process.output)")
        #expect(again.process.output.contains { $0.contains("development credentials (kept in \(server.stateDir.path)/credentials.json); keys not printed again") },
                "\(again.process.output)")
        await again.stop()
    }

    @Test("security L5: at the default log level no userId reaches the log (entries, leaves); at debug they do")
    func noUserIdsAtInfo() async throws {
        var logger = Logger(label: "t")
        logger.logLevel = .error
        for level in ["info", "debug"] {
            let server = try await ServerProcess.start(logLevel: level)
            let (url, key, trust) = (server.url, server.secretKey, server.trust)
            try await SignalingClient.withConnection(server: url, tls: trust, logger: logger) { channel in
                let client = TestClient(channel: channel)
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { await client.pump() }
                    let sig = UserSig.generate(sdkAppId: server.sdkAppId, userId: "l5-private-user", secretKey: key, expire: 600)
                    _ = try await client.enter("l5-private-user", userSig: sig, sdkAppId: server.sdkAppId)
                    channel.close()
                    try await client.waitClosed()
                    tasks.cancelAll()
                }
            }
            // The leave is logged when the server notices the closed connection.
            try await Task.sleep(for: .milliseconds(500))
            await server.stop()
            let log = server.process.outputText + server.process.errorOutput
            #expect(log.contains("l5-private-user") == (level == "debug"), "log level \(level): \(log.suffix(2000))")
        }
    }

    @Test("bad flags exit non-zero with a message")
    func badFlags() async throws {
        for arguments in [["--listen", "nonsense"], ["--app", "0:key"], ["--app", "x"], ["--departure-timeout", "-1"],
                          ["--config", "/nonexistent.json"], ["--log-level", "loud"]] {
            let process = try ChildProcess(BuiltProducts.executable("trtc-server"), arguments + ["--state-dir", "/tmp/trtc-bad-flags"])
            let status = try await process.waitForExit()
            #expect(status != 0, "\(arguments)")
            try await Task.sleep(for: .milliseconds(20))
            #expect(!process.errorOutput.isEmpty, "\(arguments)")
        }
    }
}
