import Foundation
import ServiceLifecycle
import Testing
import TrtcCore

@Suite("graceful shutdown")
struct ShutdownTests {
    /// The time limit only catches a shutdown that hangs (withTestServer waits for the server to stop).
    @Test("on shutdown every client is told, then its connection closed, and the server stops", .timeLimit(.minutes(1)))
    func clientsAreTold() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { c in
                try await c[0].enter("a")
                // c[1] is connected but not in a room: it is told too.
                await server.shutdown()
                #expect(try await c[0].next() == .shutdown(message: "server is shutting down"))
                #expect(try await c[1].next() == .shutdown(message: "server is shutting down"))
                try await c[0].waitClosed()
                try await c[1].waitClosed()
            }
        }
    }
}
