import Foundation
import Testing
import TrtcCore
import TrtcHarness

/// A client that pings and never reads (security.md H1): the pongs used to bypass the session's outbox, so the server
/// queued them without limit and grew at the client's upload rate. Measured on a trtc-server process, so that its
/// resident memory is its own.
@Suite("a client that pings and never reads")
struct PingFloodTests {
    @Test("is disconnected at the outbox limit, and the server's memory stays bounded")
    func pingFlood() async throws {
        // Deadlines far away: only the outbox limit may end the connection.
        // Plaintext: the flood is written on a raw TCP socket.
        let server = try await ServerProcess.start(certificate: nil, extraArguments: ["--enter-timeout", "600", "--departure-timeout", "600"])
        do {
            let flooder = try RawWebSocket(port: server.port, path: Signaling.path, receiveBuffer: 4096)
            #expect(flooder.isUpgraded)
            let baseline = Double(try ResidentMemory.of(server.process.pid).resident) / 1_048_576
            // 200,000 pings of 125 bytes: 26 MB, each answered with as large a pong.
            let ping = RawWebSocket.Frame(opcode: WebSocketFramingTests.opPing, payload: Array(repeating: 0x70, count: 125))
            let pings = 200_000
            for _ in 0..<pings { flooder.send(ping) }
            let grown = Double(try ResidentMemory.of(server.process.pid).resident) / 1_048_576 - baseline
            #expect(flooder.isClosedByServer(), "still connected after \(pings) unread pongs")
            #expect(grown < 16, "the server grew by \(grown) MiB")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}
