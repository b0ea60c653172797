import Foundation
import Testing
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting
import TrtcRTP

/// An independent implementation of ICE, DTLS and SRTP (aiortc, from PyPI) in the same room as our own client
/// stack: both complete checks and handshakes with trtc-server and exchange SRTP both ways through it.
@Suite("aiortc interop: ICE-lite, DTLS 1.2 and SRTP with an independent stack")
struct AiortcInteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/aiortc_peer.py")

    @Test("aiortc connects to trtc-server and exchanges SRTP both ways with a member using our stack")
    func interop() async throws {
        try await withTestServer { server in
            try await withClients(1, server) { clients in
                let alice = try await clients[0].enter("alice", room: .numeric(77), video: true)
                try await withUDPSockets(1) { sockets in
                    let a = sockets[0]
                    try await a.connect(alice.media)
                    let sig = TestServer.userSig("py", sdkAppId: TestServer.sdkAppId, key: TestServer.secretKey)
                    let peer = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                                ["python3", Self.script.path, server.url, String(TestServer.sdkAppId), "py", sig, "77"],
                                                name: "aiortc_peer.py")
                    defer { Task { await peer.stop() } }
                    let secureLine = try await peer.waitForLine(containing: "\"secure\"", timeout: .seconds(30))
                    guard case .object(let secure) = try JSONCoding.parse(secureLine), case .integer(let pySsrc)? = secure["videoSsrc"] else {
                        throw TestFailure("no SSRC in \(secureLine)")
                    }
                    // Our stack → server → aiortc, and aiortc → server → our stack.
                    var sent: [[UInt8]] = []
                    var received: [[UInt8]] = []
                    for n in 0..<20 {
                        let packet = try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: UInt16(n + 1),
                                                                  payload: Array("ours \(n)".utf8))
                        try await a.send(packet, to: alice.media)
                        sent.append(packet)
                        while let datagram = try? await a.receive(timeout: .milliseconds(50)) { received.append(datagram) }
                    }
                    while let datagram = try? await a.receive(timeout: .milliseconds(500)) { received.append(datagram) }
                    let fromAiortc = received.compactMap { try? RTPPacket(parsing: $0) }.filter { $0.ssrc == UInt32(pySsrc) }
                    #expect(fromAiortc.count >= 15, "aiortc's RTP decrypted by our stack: \(fromAiortc.count)")
                    #expect(fromAiortc.allSatisfy { String(decoding: $0.payload, as: UTF8.self).hasPrefix("aiortc ") })

                    _ = try await peer.waitForExit(timeout: .seconds(20))
                    let hexLines = peer.output.compactMap { line -> String? in
                        guard case .object(let fields)? = try? JSONCoding.parse(line), fields["event"] == .string("rtp"),
                              case .string(let hex)? = fields["hex"] else { return nil }
                        return hex
                    }
                    let sentHex = Set(sent.map { $0.map { String(format: "%02x", $0) }.joined() })
                    let arrived = hexLines.filter { sentHex.contains($0) }.count
                    #expect(arrived >= 15, "our RTP decrypted by aiortc, byte for byte: \(arrived) of \(sent.count); \(peer.errorOutput.suffix(2000))")
                    #expect(try await server.metric("trtc_media_dtls_handshakes_total") == 2)
                }
            }
        }
    }
}
