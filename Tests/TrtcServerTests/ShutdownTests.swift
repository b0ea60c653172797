import Foundation
import ServiceLifecycle
import Testing
import TrtcCore

@Suite("graceful shutdown")
struct ShutdownTests {
    @Test("on shutdown every client is told and the server stops promptly")
    func clientsAreTold() async throws {
        let started = ContinuousClock.now
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
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
