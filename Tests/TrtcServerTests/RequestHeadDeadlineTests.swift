import Testing
import TrtcServer

/// Slowloris: a request head sent a byte at a time holds a socket and up to 80 KiB of header buffer, and reaches no
/// code that could judge it. Every head has a deadline (security.md H2).
@Suite("HTTP request heads have a deadline")
struct RequestHeadDeadlineTests {
    static let timeout = Duration.milliseconds(500)

    @Test("a request head that trickles in is closed at the deadline, unanswered: plain request and WebSocket upgrade")
    func slowHeads() async throws {
        try await withTestServer(configure: { $0.requestHeadTimeout = Self.timeout }) { server in
            for start in ["GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                          "GET /trtc/v1/signal HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"] {
                let slow = try RawTCPConnection(port: server.port)
                let started = ContinuousClock.now
                slow.send(start + "X-Slow: ")
                var answer: (bytes: [UInt8], closed: Bool) = ([], false)
                while !answer.closed && ContinuousClock.now - started < .seconds(5) {
                    slow.send("x")
                    answer = slow.receive(for: .milliseconds(100))
                }
                let elapsed = ContinuousClock.now - started
                #expect(answer.closed, "still open after \(elapsed): \(start)")
                #expect(answer.bytes.isEmpty)
                #expect(elapsed >= Self.timeout - .milliseconds(50) && elapsed < .seconds(3), "\(elapsed)")
            }
            #expect(server.parts.metrics.sample("trtc_connection_timeouts_total{phase=\"request-head\"}") == 2)
        }
    }

    @Test("request headers over 16 KiB, or a request that does not parse, close the connection at once, unanswered")
    func largeHead() async throws {
        try await withTestServer { server in
            for request in ["GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Large: " + String(repeating: "x", count: 17 * 1024) + "\r\n\r\n",
                            "GARBAGE\u{1}\r\n\r\n"] {
                let client = try RawTCPConnection(port: server.port)
                client.send(request)
                let started = ContinuousClock.now
                let answer = client.receive(for: .seconds(5))
                #expect(answer.closed && ContinuousClock.now - started < .seconds(2))
                #expect(answer.bytes.isEmpty, "\(String(decoding: answer.bytes, as: UTF8.self))")
            }
        }
    }

    @Test("a kept-alive HTTP connection is closed when its next request head does not come in time")
    func idleKeepAlive() async throws {
        try await withTestServer(configure: { $0.requestHeadTimeout = Self.timeout }) { server in
            let client = try RawTCPConnection(port: server.port)
            client.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let head = client.responseHead()
            #expect(head?.hasPrefix("HTTP/1.1 200") == true, "\(head ?? "closed")")
            let started = ContinuousClock.now
            let rest = client.receive(for: .seconds(5))
            let elapsed = ContinuousClock.now - started
            #expect(rest.closed, "kept open for \(elapsed)")
            #expect(elapsed < .seconds(3), "\(elapsed)")
        }
    }
}
