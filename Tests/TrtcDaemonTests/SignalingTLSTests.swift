import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness
import TrtcHarnessTesting

/// trtcd against trtc-server over `wss://` with the test PKI (TestPKI): a certificate it must refuse fails EnterRoom
/// with ConnectFailed and a message that says why; the right one works by IP address and by name.
@Suite("trtcd over wss: certificate verification")
struct SignalingTLSTests {
    /// Runs `body` with one trtcd (trusting the test CA unless `trustingTestCA` is false) and a server with `certificate`.
    private func withDaemon(certificate: TestPKI.Certificate?, trustingTestCA: Bool = true, environment: [String: String] = [:],
                            _ body: @escaping @Sendable (ServerProcess, RoomClient, DaemonProcess) async throws -> Void) async throws {
        let server = try await ServerProcess.start(certificate: certificate)
        try await withStopping(server, stop: { await $0.stop() }) { server in
            let bus = try await PrivateBus.start()
            try await withStopping(bus, stop: { await $0.stop() }) { bus in
                let daemon = try await DaemonProcess.start(
                    on: bus, server: server.url, trustingTestCA: trustingTestCA, environment: environment)
                try await withStopping(daemon, stop: { await $0.stop() }) { daemon in
                    let client = try await RoomClient.connect(bus)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { await client.pump() }
                        defer { client.subscription.cancel() }
                        do {
                            try await body(server, client, daemon)
                        } catch {
                            Issue.record("trtcd log: \(daemon.logTail())")
                            throw error
                        }
                    }
                    await client.connection.close()
                }
            }
        }
    }

    /// EnterRoom fails with ConnectFailed (-3308) and a message containing `reason`; State is idle again.
    private func expectRefusal(_ client: RoomClient, _ server: ServerProcess, _ reason: String, serverURL: String? = nil,
                               sourceLocation: SourceLocation = #_sourceLocation) async throws {
        do {
            try await client.enter("alice", server: server, extra: serverURL.map { ["server": .string($0)] } ?? [:])
            Issue.record("EnterRoom succeeded", sourceLocation: sourceLocation)
        } catch let error as DBusError {
            #expect(error.name == "org.trtcd.Trtc1.Error.ConnectFailed", "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.hasPrefix("[-3308] "), "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(reason), "\(error)", sourceLocation: sourceLocation)
        }
        try await client.waitFor("EnterRoom") { $0 == [.int64(-3308)] }
        // The properties are reset right after the reply and the signal, not necessarily before the caller reads them.
        try await waitUntil("State idle", timeout: .seconds(5)) { try await client.property("State") == .string("idle") }
    }

    @Test("a certificate from an unknown CA: ConnectFailed, untrusted")
    func untrusted() async throws {
        try await withDaemon(certificate: .untrusted) { server, client, _ in
            try await expectRefusal(client, server, "TLS: untrusted: the server's certificate is not issued by a CA in the CA file")
        }
    }

    @Test("without --ca-file the system trust store does not know the test CA: ConnectFailed, untrusted")
    func systemTrust() async throws {
        try await withDaemon(certificate: .valid, trustingTestCA: false) { server, client, _ in
            try await expectRefusal(client, server, "TLS: untrusted: the server's certificate is not issued by a CA in the system trust store")
        }
    }

    @Test("an expired certificate: ConnectFailed, expired, with the date")
    func expired() async throws {
        try await withDaemon(certificate: .expired) { server, client, _ in
            try await expectRefusal(client, server, "TLS: expired: the server's certificate expired on 2020-01-02")
        }
    }

    @Test("a certificate for another host: ConnectFailed, wrong host (IP address and name)")
    func wrongHost() async throws {
        try await withDaemon(certificate: .wrongHost) { server, client, _ in
            try await expectRefusal(client, server, "TLS: wrong host: the server's certificate is not valid for 127.0.0.1")
            client.clear()
            try await expectRefusal(client, server, "TLS: wrong host: the server's certificate is not valid for localhost",
                                    serverURL: server.url(host: "localhost"))
        }
    }

    @Test("the valid certificate by IP address (no SNI; IP subjectAltName) and by name, CA from TRTC_CA_FILE",
          arguments: ["127.0.0.1", "localhost"])
    func valid(_ host: String) async throws {
        let pki = try await TestPKI.shared()
        try await withDaemon(certificate: .valid, trustingTestCA: false, environment: ["TRTC_CA_FILE": pki.caFile]) { server, client, _ in
            #expect(server.url.hasPrefix("wss://"))
            try await client.enter("alice", server: server, extra: ["server": .string(server.url(host: host))])
            #expect(try await client.property("State") == .string("in-room"))
            #expect(try await server.health().users == 1)
            try await client.exit()
        }
    }

    @Test("an unreadable CA file stops trtcd at start with a message")
    func badCAFile() async throws {
        let bus = try await PrivateBus.start()
        try await withStopping(bus, stop: { await $0.stop() }) { bus in
            let process = try ChildProcess(BuiltProducts.executable("trtcd"), ["--ca-file", "/nonexistent/ca.pem"],
                                           environment: bus.environment, name: "trtcd")
            let status = try await process.waitForExit(timeout: .seconds(10))
            #expect(status == 1)
            #expect(process.errorOutput.contains("trtcd: cannot read the CA file /nonexistent/ca.pem: no such file or not readable"),
                    "\(process.errorOutput)")
        }
    }
}
