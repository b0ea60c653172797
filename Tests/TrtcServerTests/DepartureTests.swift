import Foundation
import Testing
import TrtcCore

@Suite("departure timeout and ghosts")
struct DepartureTests {
    @Test("a closed connection without leave is removed after the departure timeout, reason 1")
    func closedWithoutLeave() async throws {
        try await withTestServer(departureTimeout: .milliseconds(1500)) { server in
            try await withClients(1, server) { c in
                let watcher = c[0]
                try await watcher.enter("watcher")
                let closedAt = try await withClients(1, server) { g in
                    try await g[0].enter("ghost")
                    #expect(try await watcher.next() == .userEnter(userId: "ghost", role: .anchor))
                    return ContinuousClock.now
                }
                // The generous timeout only catches a removal that never comes; how late it comes is for benchmarks.
                let message = try await watcher.next(timeout: .seconds(20))
                let elapsed = ContinuousClock.now - closedAt
                #expect(message == .userLeave(userId: "ghost", reason: .timedOut))
                // Not before the grace for a reconnect (the ghost's last heartbeat may precede the close a little).
                #expect(elapsed >= .milliseconds(1100))
                #expect(await server.parts.stats().users == 1)
            }
        }
    }

    @Test("a connected but silent client is removed and disconnected; heartbeats keep the others in")
    func silentClient() async throws {
        try await withTestServer(departureTimeout: .milliseconds(1500)) { server in
            try await withClients(2, server) { c in
                try await c[0].enter("alive")
                try await c[1].enter("silent", heartbeat: false)
                #expect(try await c[0].next() == .userEnter(userId: "silent", role: .anchor))
                #expect(try await c[0].next(timeout: .seconds(3)) == .userLeave(userId: "silent", reason: .timedOut))
                try await c[1].waitClosed()
                try await c[0].expectNothing(for: .milliseconds(1600))
                #expect(await server.parts.stats().users == 1)
            }
        }
    }

    @Test("a connection in no room that goes silent is closed; one that sends heartbeats stays")
    func idleConnectionOutsideRooms() async throws {
        try await withTestServer(departureTimeout: .seconds(1)) { server in
            let idle = try RawWebSocket(port: server.port, path: Signaling.path)
            let busy = try RawWebSocket(port: server.port, path: Signaling.path)
            let heartbeat = ClientMessage.heartbeat.text
            let start = ContinuousClock.now
            while ContinuousClock.now - start < .milliseconds(2500) {
                busy.sendText(heartbeat)
                #expect(try ServerMessage.decode(text: busy.receive().text) == .pong)
                try await Task.sleep(for: .milliseconds(250))
            }
            let close = try idle.receive()
            #expect(close.opcode == 0x8)
            #expect(Array(close.payload.prefix(2)) == [0x03, 0xE9])  // 1001 going away
            #expect(idle.isClosedByServer())
            busy.sendText(heartbeat)
            #expect(try ServerMessage.decode(text: busy.receive().text) == .pong)
            #expect(await server.connectionsDrop(to: 1))
        }
    }

    @Test("reconnecting within the grace is not seen as leave/enter, also after the departure timeout has passed")
    func reconnectWithinGrace() async throws {
        try await withTestServer(departureTimeout: .seconds(1)) { server in
            try await withClients(1, server) { c in
                try await c[0].enter("watcher")
                try await withClients(1, server) { g in
                    try await g[0].enter("roamer")
                }
                #expect(try await c[0].next() == .userEnter(userId: "roamer", role: .anchor))
                try await withClients(1, server) { g in
                    try await g[0].enter("roamer")
                    // Watched past the departure timeout of the closed connection: a timer the re-entry failed to
                    // cancel would remove the roamer (userLeave, reason 1) within this window.
                    try await c[0].expectNothing(for: .milliseconds(1800))
                    #expect(await server.parts.stats().users == 2)
                }
            }
        }
    }
}
