import Testing
import TrtcHarnessTesting

/// The media tests' negative checks must be able to fail: a check that cannot fail proves nothing.
@Suite("UDPTestSocket's own checks")
struct UDPTestSocketTests {
    @Test("expectNoBindAnswer fails when the server answers, and when nothing is sent")
    func expectNoBindAnswerCanFail() async throws {
        try await withTestServer { server in
            try await withClients(1, server) { clients in
                let alice = try await clients[0].enter("alice", video: true)
                try await withUDPSockets(1) { sockets in
                    let socket = sockets[0]
                    // A valid bind is answered at once.
                    await #expect(throws: TestFailure.self) {
                        try await socket.expectNoBindAnswer {
                            try await socket.send(UDPTestSocket.bindDatagram(token: alice.media.token), to: alice.media)
                        }
                    }
                    await #expect(throws: TestFailure.self) { try await socket.expectNoBindAnswer {} }
                }
            }
        }
    }
}
