import NIOCore
import Testing
import TrtcCore
@testable import TrtcServer

/// The listener's caps (security.md H2): one over a cap is closed at accept, unanswered; what is connected goes on.
/// Other loopback addresses (127.0.0.2, 127.0.0.3) stand in for other hosts.
@Suite("connection caps: total and per IP")
struct ConnectionCapTests {
    @Test("connections over the caps are closed at accept and counted; members keep working; a freed slot is reused")
    func caps() async throws {
        try await withTestServer(configure: { $0.maxConnections = 5; $0.maxConnectionsPerIP = 2 }) { server in
            try await withClients(2, server) { clients in
                let (alice, bob) = (clients[0], clients[1])
                try await alice.enter("alice")
                let bobEntry = try await bob.enter("bob")
                #expect(try await alice.next() == .userEnter(userId: "bob", role: .anchor))

                /// Upgraded connections are kept here (dropping one closes it).
                var held: [String: RawTCPConnection] = [:]
                /// Whether a signaling connection from `source` is upgraded (else it was closed unanswered).
                func connect(_ name: String, from source: String) throws -> Bool {
                    let connection = try RawTCPConnection(port: server.port, from: source)
                    connection.sendUpgradeRequest()
                    guard let head = connection.responseHead() else { return false }
                    #expect(head.hasPrefix("HTTP/1.1 101"), "\(head)")
                    held[name] = connection
                    return true
                }
                #expect(try connect("first", from: "127.0.0.2") && connect("second", from: "127.0.0.2"))
                #expect(try !connect("third", from: "127.0.0.2"), "a third connection from one address")
                #expect(try connect("other", from: "127.0.0.3"), "another address")
                // Five open: full, for 127.0.0.1 too (exempt from the per-IP cap only).
                #expect(try !connect("fourth host", from: "127.0.0.4"))
                #expect(try !connect("local", from: "127.0.0.1"))
                #expect(server.parts.metrics.sample("trtc_connections_refused_total{reason=\"address-full\"}") == 1)
                #expect(server.parts.metrics.sample("trtc_connections_refused_total{reason=\"server-full\"}") == 2)

                // The room is unharmed.
                #expect(try await bob.request { .publish(seq: $0, video: true, audio: nil) } == .ack(seq: 2))
                #expect(try await alice.next() == .userVideo(userId: "bob", available: true, ssrc: bobEntry.media.videoSsrc))

                // A closed connection frees its slot (the server notices a moment later).
                held["first"] = nil
                var reconnected = false
                let deadline = ContinuousClock.now + .seconds(10)  // only catches a slot never freed; no timing claim
                while !reconnected, ContinuousClock.now < deadline {
                    reconnected = try connect("again", from: "127.0.0.2")
                    if !reconnected { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(reconnected)
                #expect(held.count == 3)
            }
        }
    }

    @Test("per-IP keys: an IPv4 address, an IPv6 /64; mapped IPv4 is IPv4; 127.0.0.1 and ::1 are exempt")
    func peerKeys() throws {
        func key(_ ip: String) throws -> PeerAddressKey? { PeerAddressKey(try SocketAddress(ipAddress: ip, port: 4000)) }
        #expect(try key("192.0.2.1") != nil && key("192.0.2.1") == key("::ffff:192.0.2.1"))
        #expect(try key("192.0.2.1") != key("192.0.2.2"))
        #expect(try key("2001:db8:1:2::1") == key("2001:db8:1:2:ffff::9"))
        #expect(try key("2001:db8:1:2::1") != key("2001:db8:1:3::1"))
        #expect(try key("127.0.0.1") == nil && key("::1") == nil && key("::ffff:127.0.0.1") == nil)
        #expect(try key("127.0.0.2") != nil)
    }

    @Test("the limiter counts per address and in total, and releases")
    func limiter() throws {
        let limiter = ConnectionLimiter(maxConnections: 3, maxPerPeer: 1)
        let a = PeerAddressKey(try SocketAddress(ipAddress: "192.0.2.1", port: 1))
        let b = PeerAddressKey(try SocketAddress(ipAddress: "192.0.2.2", port: 1))
        #expect(limiter.admit(a) == nil)
        #expect(limiter.admit(a) == .addressFull)
        #expect(limiter.admit(b) == nil && limiter.admit(nil) == nil)
        #expect(limiter.admit(nil) == .serverFull)
        limiter.release(a)
        #expect(limiter.admit(a) == nil)
        #expect(limiter.open == 3)
        let uncapped = ConnectionLimiter(maxConnections: 10, maxPerPeer: 0)
        #expect((0..<10).allSatisfy { _ in uncapped.admit(a) == nil })
    }
}
