import Testing
import TrtcCore
import TrtcServer

/// The signaling WebSocket at the framing level (RFC 6455), with a client that sends what libraries will not.
@Suite("signaling WebSocket framing")
struct WebSocketFramingTests {
    static let opText: UInt8 = 0x1, opContinuation: UInt8 = 0x0, opClose: UInt8 = 0x8, opPing: UInt8 = 0x9, opPong: UInt8 = 0xA

    @Test("a message in fragments with a ping between them is answered; pings get their payload back")
    func fragmentsAndPing() async throws {
        try await withTestServer { server in
            let socket = try RawWebSocket(port: server.port, path: "/trtc/v1/signal?client=raw")
            #expect(socket.isUpgraded, "\(socket.response)")
            // No hello before a verified `enter` (docs/protocol.md): the first frame is the answer to the client's.
            socket.sendText("{\"type\":", fin: false)
            socket.send(.init(opcode: Self.opPing, payload: [1, 2, 3]))
            socket.sendText("\"heart", fin: false, opcode: Self.opContinuation)
            socket.sendText("beat\"}", fin: true, opcode: Self.opContinuation)
            #expect(try socket.receive() == .init(opcode: Self.opPong, payload: [1, 2, 3]))
            let answer = try socket.receive()
            #expect(answer.opcode == Self.opText)
            #expect(try ServerMessage.decode(text: answer.text) == .pong)
        }
    }

    @Test("the client's close is answered with its code and the server closes the connection")
    func clientClose() async throws {
        try await withTestServer { server in
            let socket = try RawWebSocket(port: server.port, path: Signaling.path)
            socket.send(.init(opcode: Self.opClose, payload: [0x03, 0xE9]))  // 1001 going away
            #expect(try socket.receive() == .init(opcode: Self.opClose, payload: [0x03, 0xE9]))
            #expect(socket.isClosedByServer())
            #expect(await server.connectionsDrop(to: 0))
        }
    }

    @Test("framing errors close that connection with 1002; the others keep working")
    func framingErrors() async throws {
        try await withTestServer { server in
            try await withClients(1, server) { clients in
                try await clients[0].enter("steady")
                let stray = try RawWebSocket(port: server.port, path: Signaling.path)
                stray.sendText("orphan", fin: true, opcode: Self.opContinuation)
                let close = try stray.receive()
                #expect(close.opcode == Self.opClose)
                #expect(Array(close.payload.prefix(2)) == [0x03, 0xEA])  // 1002 protocol error
                #expect(stray.isClosedByServer())

                let interleaved = try RawWebSocket(port: server.port, path: Signaling.path)
                interleaved.sendText("{\"type\"", fin: false)
                interleaved.sendText("{\"type\":\"heartbeat\"}")
                #expect(Array(try interleaved.receive().payload.prefix(2)) == [0x03, 0xEA])

                #expect(try await clients[0].request { .publish(seq: $0, video: true, audio: nil) } == .ack(seq: 2))
            }
        }
    }

    @Test("a member that stops reading is disconnected once its queue overflows; the room keeps working")
    func slowReader() async throws {
        // A long departure timeout, so that only the full queue can end the connection; small buffers, so it fills fast.
        // Toggles are the traffic source here, so their rate limit is off (SignalingRateLimitTests tests it).
        try await withTestServer(departureTimeout: .seconds(60), maxQueuedMessagesPerSession: 16,
                                 signalingSendBufferBytes: 4096, configure: { $0.stateChangesPerSecond = 0 }) { server in
            try await withClients(1, server) { clients in
                let busy = clients[0]
                try await busy.enter("busy")
                let stuck = try RawWebSocket(port: server.port, path: Signaling.path, receiveBuffer: 2048)
                #expect(stuck.isUpgraded)
                stuck.sendText(ClientMessage.enter(EnterRequest(
                    seq: 1, sdkAppId: TestServer.sdkAppId, userId: "stuck", userSig: TestServer.userSig("stuck"),
                    room: .numeric(1))).text)
                #expect(try await busy.next() == .userEnter(userId: "stuck", role: .anchor))
                // Every publish toggle is an event for the member that no longer reads: its socket fills, then the
                // server's send buffer, then its queue.
                var toggles = 0
                while await server.parts.stats().connections > 1 && toggles < 20_000 {
                    toggles += 1
                    _ = try await busy.request { .publish(seq: $0, video: toggles % 2 == 1, audio: nil) }
                }
                #expect(await server.parts.stats().connections == 1, "still connected after \(toggles) events")
                #expect(stuck.isClosedByServer())
                #expect(try await busy.request { .publish(seq: $0, video: nil, audio: true) }.errorKind == nil)
            }
        }
    }

    @Test("upgrades elsewhere stay HTTP: 404, no WebSocket")
    func otherPaths() async throws {
        try await withTestServer { server in
            let socket = try RawWebSocket(port: server.port, path: "/trtc/v2/signal")
            #expect(socket.response.hasPrefix("HTTP/1.1 404"), "\(socket.response)")
            #expect(socket.isClosedByServer())
            let plain = try RawWebSocket(port: server.port, path: "/healthz")
            #expect(plain.response.hasPrefix("HTTP/1.1 404"), "\(plain.response)")
            #expect(await server.parts.stats().connections == 0)
        }
    }
}

extension TestServer {
    /// Whether the server's count of open signaling connections reaches `count` within a second (the server sees a
    /// connection go a moment after the client does).
    func connectionsDrop(to count: Int) async -> Bool {
        for _ in 0..<100 {
            if await parts.stats().connections == count { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}
