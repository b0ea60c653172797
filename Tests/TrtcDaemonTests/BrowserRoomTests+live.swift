import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcPipeWire

extension BrowserRoomTests {
    @Test("live scene: a browser audience member is unseen and watches trtcd's anchor; switchRole('anchor') makes it seen and published")
    func liveAudience() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo([
                "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240),
                "fps": .uint32(15), "bitrate": .uint32(300),
            ])
            try await alice.enter("alice", room: .numeric(81), server: room.server, extra: ["scene": .string("live"), "role": .string("anchor")])
            try await withBrowserPage(server: room.server) { page in
                try await page.evaluate(Self.setUp)
                let userSig = UserSig.generate(sdkAppId: room.server.sdkAppId, userId: "web", secretKey: room.server.secretKey)
                try await page.evaluate("""
                    t.enterRoom({ sdkAppId: \(room.server.sdkAppId), userId: 'web', userSig: '\(userSig)', roomId: 81, scene: 'live', role: 'audience' })
                      .then(() => t.startLocalVideo()).then(() => 'audience')
                    """)
                // The audience watches the anchor.
                try await waitUntil("alice's video in the audience's page", timeout: .seconds(20), interval: .milliseconds(200)) {
                    try await page.evaluate(Self.probe) != .null
                }
                try await Task.sleep(for: .milliseconds(500))
                #expect(!alice.roomSignals.contains { $0.member == "RemoteUserEnterRoom" }, "an audience member is not announced")
                #expect(try await room.metric("trtc_media_dropped_total{reason=\"not-publishing\"}") ?? 0 == 0,
                        "an audience member's camera is not sent")
                // Anchor: seen, and its camera published.
                try await page.evaluate("t.switchRole('anchor').then(() => 'anchor')")
                try await alice.waitFor("RemoteUserEnterRoom") { $0 == [.string("web")] }
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("web"), .boolean(true)] }
            }
        }
    }
}
