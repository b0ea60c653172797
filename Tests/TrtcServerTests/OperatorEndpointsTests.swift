import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting
import TrtcServer

/// Security L1: /metrics and /healthz are the operator's; on a listener other hosts reach they answer only peers on
/// this host, unless `--public-metrics`. The signaling and the server API are unaffected.
@Suite("operator endpoints: /metrics and /healthz only for this host (security L1)")
struct OperatorEndpointsTests {
    /// An address of this host that is not loopback, so that a connection to it has a non-loopback peer address.
    static func nonLoopbackAddress() throws -> String {
        let run = try CommandRun.runBlocking("/usr/sbin/ip", ["-4", "-o", "addr", "show", "scope", "global"])
        guard let address = run.stdout.split(separator: "\n").compactMap({ line -> Substring? in
            let fields = line.split(separator: " ")
            guard let inet = fields.firstIndex(of: "inet"), inet + 1 < fields.count else { return nil }
            return fields[inet + 1].split(separator: "/").first
        }).first else { throw TestFailure("this host has no non-loopback IPv4 address: \(run)") }
        return String(address)
    }

    static func status(_ host: String, _ port: Int, _ path: String) async throws -> Int {
        Int(try await HTTPExchange.perform(.GET, try ServerURL("http://\(host):\(port)\(path)")).status)
    }

    @Test("on 0.0.0.0: loopback peers get /metrics and /healthz, a peer at another address 404 (the API still answers it); with publicMetrics both do; /admin/* never for other hosts")
    func loopbackOnly() async throws {
        let other = try Self.nonLoopbackAddress()
        for publicMetrics in [false, true] {
            try await withTestServer(configure: {
                $0.listenHost = "0.0.0.0"
                $0.publicMetrics = publicMetrics
            }) { server in
                for path in ["/metrics", "/healthz"] {
                    #expect(try await Self.status("127.0.0.1", server.port, path) == 200, "\(path) from 127.0.0.1")
                    // Hidden: 404 as for any unknown path, or no answer when a 404 would be more bytes than the request
                    // (an unauthenticated peer is never sent more than it sent: security.md, "Amplification").
                    let status = try? await Self.status(other, server.port, path)
                    #expect(publicMetrics ? status == 200 : (status == 404 || status == nil),
                            "\(path) from \(other), publicMetrics \(publicMetrics): \(String(describing: status))")
                }
                // Draining changes the node: this host only, even with publicMetrics; a single node has nothing to drain.
                for path in ["/admin/drain", "/admin/undrain"] {
                    // As above: a 404 may be cut by the amplification guard (a bare request is smaller than the answer).
                    let remote = try? await HTTPExchange.perform(.POST, try ServerURL("http://\(other):\(server.port)\(path)"))
                    #expect(remote == nil || remote?.status == 404,
                            "\(path) from \(other), publicMetrics \(publicMetrics): \(String(describing: remote?.status))")
                    let local = try await HTTPExchange.perform(.POST, try ServerURL("http://127.0.0.1:\(server.port)\(path)"))
                    #expect(local.status == 409, "\(path) on a single node")
                }
                // The server API is for other hosts: it answers (here: an unsigned request is refused, not hidden; padded
                // to the size of an SDK's request, since an unsigned one is answered with at most the bytes it sent).
                let api = try await HTTPExchange.perform(.POST, try ServerURL("http://\(other):\(server.port)/"),
                                                         headers: [("Content-Type", "application/json"), ("X-Padding", String(repeating: "p", count: 400))],
                                                         body: Array("{}".utf8))
                #expect(api.status == 200 && String(decoding: api.body, as: UTF8.self).contains("AuthFailure"), "\(api.status)")
            }
        }
    }

    @Test("--public-metrics and the config key publicMetrics turn it on; off by default")
    func flag() throws {
        let defaults = try ServerCommand.parse(["--app", "1400000001:key", "--api-credential", "AKIDx:key"])
        #expect(try defaults.makeConfiguration(environment: [:]).0.publicMetrics == false)
        let on = try ServerCommand.parse(["--app", "1400000001:key", "--api-credential", "AKIDx:key", "--public-metrics"])
        #expect(try on.makeConfiguration(environment: [:]).0.publicMetrics == true)
    }
}
