import Foundation
import Logging
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness

/// trtc-server's TLS listener and its refusal of plaintext off loopback (docs/spec.md §5, docs/security.md H4).
@Suite("trtc-server: TLS and plaintext exposure")
struct ServerTLSTests {
    /// Runs trtc-server with `arguments` until it exits; returns its status and stderr.
    private func runToExit(_ arguments: [String]) async throws -> (status: Int32, stderr: String) {
        let state = try BuiltProducts.temporaryDirectory("trtc-server-tls")
        defer { try? FileManager.default.removeItem(at: state) }
        let process = try ChildProcess(BuiltProducts.executable("trtc-server"),
                                       ["--listen", "127.0.0.1:0", "--media", "127.0.0.1:0", "--state-dir", state.path] + arguments)
        let status = try await process.waitForExit(timeout: .seconds(10))
        try await Task.sleep(for: .milliseconds(20))
        return (status, process.errorOutput)
    }

    @Test("unreadable or invalid certificate or key: a clear message at start, exit non-zero")
    func badFiles() async throws {
        let pki = try await TestPKI.shared()
        let cert = pki.certificateFile(.valid)
        let cases: [([String], String)] = [
            (["--tls-cert", "/nonexistent.pem", "--tls-key", pki.serverKey],
             "cannot read the TLS certificate /nonexistent.pem: no such file or not readable"),
            (["--tls-cert", pki.serverKey, "--tls-key", pki.serverKey], "cannot read the TLS certificate \(pki.serverKey): not a PEM certificate"),
            (["--tls-cert", cert, "--tls-key", "/nonexistent.key"], "cannot read the TLS key /nonexistent.key: no such file or not readable"),
            (["--tls-cert", cert, "--tls-key", cert], "cannot read the TLS key \(cert): not a PEM private key"),
            (["--tls-cert", cert, "--tls-key", pki.directory.appendingPathComponent("ca.key").path], "does not fit the certificate"),
            (["--tls-cert", cert], "--tls-cert needs --tls-key"),
        ]
        for (arguments, message) in cases {
            let (status, stderr) = try await runToExit(arguments)
            #expect(status != 0, "\(arguments)")
            #expect(stderr.contains(message), "\(arguments): \(stderr)")
        }
    }

    @Test("--listen on a non-loopback address without TLS is refused; with --insecure-plaintext it runs with a warning")
    func plaintextExposure() async throws {
        let (status, stderr) = try await runToExit(["--listen", "0.0.0.0:0"])
        #expect(status != 0)
        #expect(stderr.contains("--listen 0.0.0.0:0 is not a loopback address: give --tls-cert and --tls-key, or --insecure-plaintext"),
                "\(stderr)")

        let server = try await ServerProcess.start(certificate: nil, extraArguments: ["--listen", "0.0.0.0:0", "--insecure-plaintext"])
        try await withStopping(server, stop: { await $0.stop() }) { server in
            #expect(server.process.errorOutput.contains("trtc-server: warning: plaintext signaling and server API on the non-loopback address"),
                    "\(server.process.errorOutput)")
            let health = try await server.health()
            #expect(health.warning?.contains("--insecure-plaintext") == true, "\(health)")
        }
        // Loopback plaintext (the embedded default) and TLS anywhere carry no warning.
        for certificate in [nil, TestPKI.Certificate.valid] {
            let quiet = try await ServerProcess.start(certificate: certificate)
            try await withStopping(quiet, stop: { await $0.stop() }) { quiet in
                let health = try await quiet.health()
                #expect(health.warning == nil, "\(health)")
            }
        }
    }

    @Test("TLS from the config file; the banner says wss:// and https://; plain HTTP on the TLS port gets nothing")
    func configFileAndBanner() async throws {
        let pki = try await TestPKI.shared()
        let config = try BuiltProducts.temporaryDirectory("trtc-server-tls-config").appendingPathComponent("config.json")
        defer { try? FileManager.default.removeItem(at: config.deletingLastPathComponent()) }
        try #"{"tlsCert": "\#(pki.certificateFile(.valid))", "tlsKey": "\#(pki.serverKey)"}"#.write(to: config, atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(certificate: nil, extraArguments: ["--config", config.path])
        try await withStopping(server, stop: { await $0.stop() }) { server in
            let banner = server.process.output.map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(banner.contains("signaling   wss://127.0.0.1:\(server.port)/trtc/v1/signal"), "\(banner)")
            #expect(banner.contains { $0.hasPrefix("server API  https://127.0.0.1:\(server.port)/") }, "\(banner)")
            let trust = try ServerTrust(caFile: pki.caFile)
            let response = try await HTTPExchange.perform(.GET, try ServerURL("https://127.0.0.1:\(server.port)/healthz"), trust: trust)
            #expect(response.status == 200)
            await #expect(throws: (any Error).self) {
                try await HTTPExchange.perform(.GET, try ServerURL("http://127.0.0.1:\(server.port)/healthz"))
            }
        }
    }

    @Test("Tencent's official Python SDK reaches the https server API with the test CA (its certification option)")
    func tencentSDKOverHTTPS() async throws {
        let server = try await ServerProcess.start()
        try await withStopping(server, stop: { await $0.stop() }) { server in
            let caFile = try #require(server.caFile)
            let body = "{\"SdkAppId\": \(server.sdkAppId), \"RoomId\": 4242}"
            func sdk(_ ca: String) async throws -> CommandRun {
                try await CommandRun.run("/usr/bin/env", ["python3", TencentSDKTests.script.path, "api", "127.0.0.1:\(server.port)",
                                                          server.secretId, server.apiSecretKey, "DismissRoom", body, ca])
            }
            let trusted = try await sdk(caFile)
            #expect(trusted.status == 3, "\(trusted)")
            #expect(trusted.stdout.contains("FailedOperation.RoomNotExist"), "\(trusted)")
            // The same call trusting another CA fails the handshake: verification is on.
            let other = try await sdk(TestPKI.shared().directory.appendingPathComponent("other-ca.pem").path)
            #expect(other.status == 3, "\(other)")
            #expect(other.stdout.contains("ClientNetworkError") && other.stdout.contains("CERTIFICATE_VERIFY_FAILED"), "\(other)")
        }
    }
}
