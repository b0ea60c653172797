import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcPipeWire

extension BrowserRoomTests {
    /// `{code, extraCode}` of what `call` rejects with, or 'resolved'.
    static func rejection(_ call: String) -> String {
        "(\(call)).then(() => 'resolved', (error) => `${error.name} ${error.code} ${error.extraCode}`)"
    }

    @Test("the SDK's errors carry TRTC's codes; mute is seen by trtcd; stopRemoteVideo removes the picture; a second exitRoom is refused")
    func apiSurface() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo([
                "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240),
                "fps": .uint32(15), "bitrate": .uint32(300),
            ])
            try await alice.enter("alice", room: .numeric(61), server: room.server)
            let app = room.server.sdkAppId
            try await withBrowserPage(server: room.server) { page in
                try await page.evaluate(Self.setUp)
                #expect(try await page.evaluate(Self.rejection("t.enterRoom({ sdkAppId: \(app), userId: 'web', userSig: 's', roomId: 0 })"))
                        == .string("RtcError 5000 5012"))
                #expect(try await page.evaluate(Self.rejection("t.enterRoom({ sdkAppId: \(app), userId: 'web', userSig: 's' })"))
                        == .string("RtcError 5000 5015"))
                #expect(try await page.evaluate(Self.rejection("t.startRemoteVideo({ userId: 'alice', view: 'remote' })"))
                        == .string("RtcError 5100 5101"))
                // A UserSig for another user: the server's -100018 as SERVER_ERROR.
                let otherSig = UserSig.generate(sdkAppId: app, userId: "someone", secretKey: room.server.secretKey)
                #expect(try await page.evaluate(Self.rejection("t.enterRoom({ sdkAppId: \(app), userId: 'web', userSig: '\(otherSig)', roomId: 61 })"))
                        == .string("RtcError 5400 -100018"))

                try await Self.enter(page, userId: "web", room: 61, server: room.server)
                #expect(try await page.evaluate(Self.rejection("t.startRemoteVideo({ userId: 'nobody', view: 'remote' })"))
                        == .string("RtcError 5100 5102"))
                #expect(try await page.evaluate(Self.rejection("t.startRemoteVideo({ userId: 'alice', streamType: 'sub', view: 'remote' })"))
                        == .string("RtcError 5100 5103"))
                // Mute and unmute reach trtcd as the user's video availability.
                try await page.evaluate("t.startLocalVideo().then(() => 'on')")
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("web"), .boolean(true)] }
                alice.clear()
                try await page.evaluate("t.updateLocalVideo({ mute: true }).then(() => 'muted')")
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("web"), .boolean(false)] }
                #expect(try await page.evaluate("t.getVideoTrack().readyState") == .string("live"), "muting keeps the camera open")
                alice.clear()
                try await page.evaluate("t.updateLocalVideo({ mute: false }).then(() => 'unmuted')")
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("web"), .boolean(true)] }

                // alice's video shows (the setUp starts it when available), and stopRemoteVideo takes it away.
                try await waitUntil("alice's video in the page", timeout: .seconds(20), interval: .milliseconds(100)) {
                    try await page.evaluate(Self.probe) != .null
                }
                try await page.evaluate("t.stopRemoteVideo({ userId: 'alice' }).then(() => 'stopped')")
                #expect(try await page.evaluate("document.querySelectorAll('#remote video').length") == .integer(0))
                try await page.evaluate("t.exitRoom().then(() => 'out')")
                #expect(try await page.evaluate(Self.rejection("t.exitRoom()")) == .string("RtcError 5100 5101"))
                try await alice.waitFor("RemoteUserLeaveRoom") { $0 == [.string("web"), .int32(0)] }
            }
        }
    }
}
