import Testing
import TrtcCore
import TrtcServer

/// What a message may be at the WebSocket layer: at most the protocol's 16 KiB, however it is fragmented (an
/// unfinished one used to park up to 1 MiB per connection, security.md H2), and UTF-8 if it is text (L3).
@Suite("signaling messages: 16 KiB however fragmented (1009), UTF-8 text (1007)")
struct MessageLimitTests {
    typealias Op = WebSocketFramingTests

    /// A heartbeat padded to exactly `bytes` (unknown fields are ignored).
    static func heartbeat(bytes: Int) -> String {
        let head = "{\"type\":\"heartbeat\",\"padding\":\"", tail = "\"}"
        return head + String(repeating: "x", count: bytes - head.utf8.count - tail.utf8.count) + tail
    }

    @Test("a message over 16 KiB closes with 1009, in fragments or in one frame; 16 KiB exactly is answered; members stay")
    func sizeLimit() async throws {
        try await withTestServer { server in
            try await withClients(1, server) { clients in
                try await clients[0].enter("steady")
                let limit = Signaling.maxMessageBytes

                let exact = try RawWebSocket(port: server.port, path: Signaling.path)
                let text = Array(Self.heartbeat(bytes: limit).utf8)
                for (index, start) in stride(from: 0, to: limit, by: 4096).enumerated() {
                    exact.send(.init(fin: start + 4096 >= limit, opcode: index == 0 ? Op.opText : Op.opContinuation,
                                     payload: Array(text[start..<min(limit, start + 4096)])))
                }
                #expect(try ServerMessage.decode(text: exact.receive().text) == .pong)

                let fragmented = try RawWebSocket(port: server.port, path: Signaling.path)
                let over = Array(Self.heartbeat(bytes: limit + 1).utf8)
                fragmented.send(.init(fin: false, opcode: Op.opText, payload: Array(over[..<8000])))
                fragmented.send(.init(fin: false, opcode: Op.opContinuation, payload: Array(over[8000..<16000])))
                fragmented.send(.init(fin: true, opcode: Op.opContinuation, payload: Array(over[16000...])))
                #expect(try fragmented.receive().close?.status == 1009)
                #expect(fragmented.isClosedByServer())

                let single = try RawWebSocket(port: server.port, path: Signaling.path)
                single.send(.init(opcode: Op.opText, payload: over))
                #expect(try single.receive().close?.status == 1009)
                #expect(single.isClosedByServer())

                #expect(try await clients[0].request { .publish(seq: $0, video: true, audio: nil) } == .ack(seq: 2))
            }
        }
    }

    @Test("a text message that is not UTF-8 closes with 1007; UTF-8 split across fragments is fine")
    func utf8() async throws {
        try await withTestServer { server in
            let split = try RawWebSocket(port: server.port, path: Signaling.path)
            let text = Array("{\"type\":\"heartbeat\",\"note\":\"é\"}".utf8)
            let middle = text.firstIndex(of: 0xC3)! + 1  // inside "é"
            split.send(.init(fin: false, opcode: Op.opText, payload: Array(text[..<middle])))
            split.send(.init(fin: true, opcode: Op.opContinuation, payload: Array(text[middle...])))
            #expect(try ServerMessage.decode(text: split.receive().text) == .pong)

            for bad: [UInt8] in [[0x7B, 0xFF, 0x7D], Array("{\"type\":\"heartbeat\",\"x\":\"".utf8) + [0xED, 0xA0, 0x80, 0x22, 0x7D]] {
                let socket = try RawWebSocket(port: server.port, path: Signaling.path)
                socket.send(.init(opcode: Op.opText, payload: bad))
                #expect(try socket.receive().close?.status == 1007, "\(bad)")
                #expect(socket.isClosedByServer())
            }
        }
    }
}
