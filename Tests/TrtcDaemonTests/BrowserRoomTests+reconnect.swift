import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcDBusContract
import TrtcHarness
import TrtcPipeWire

extension BrowserRoomTests {
    /// Waits until the remote `<video>` shows a picture that changes; returns the last sample.
    static func waitForChangingPicture(_ page: BrowserPage, _ what: String) async throws -> [String: JSONValue] {
        var samples: [JSONValue] = []
        try await waitUntil(what, timeout: .seconds(20), interval: .milliseconds(200)) {
            let sample = try await page.evaluate(Self.probe)
            if sample != .null { samples.append(sample) }
            return samples.count >= 2 && samples.first?.objectValue?["hash"] != samples.last?.objectValue?["hash"]
        }
        let sample = try #require(samples.last?.objectValue)
        #expect((sample["mean"]?.doubleValue ?? 0) > 10 && (sample["colours"]?.doubleValue ?? 0) > 8, "a picture: \(sample)")
        return sample
    }

    /// Waits for two Statistics of `client` after now and returns the frame rate it decodes `userId`'s video at.
    static func decodedFrameRate(of userId: String, at client: RoomClient) async throws -> UInt32 {
        let seen = client.signals.count { $0.member == "Statistics" }
        try await waitUntil("two Statistics", timeout: .seconds(10)) { client.signals.count { $0.member == "Statistics" } >= seen + 2 }
        return try MediaStatisticsTests.latestStatistics(client).remote.first { $0.userId == userId }?.frameRate ?? 0
    }

    @Test("the browser's signaling connection dropped: the SDK reconnects (CONNECTED → DISCONNECTED → RECONNECTING → CONNECTED) with a new peer connection, trtcd sees no leave, video flows both ways again")
    func reconnectAfterSignalingDrop() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo([
                "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240),
                "fps": .uint32(15), "bitrate": .uint32(300),
            ])
            try await alice.enter("alice", room: .numeric(81), server: room.server)
            try await withBrowserPage(server: room.server) { page in
                try await page.evaluate(Self.setUp)
                try await Self.enter(page, userId: "web", room: 81, server: room.server)
                try await page.evaluate("t.startLocalVideo().then(() => 'on')")
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("web"), .boolean(true)] }
                _ = try await alice.call("StartRemoteVideo", [.string("web"), .string("main")])
                _ = try await Self.waitForChangingPicture(page, "trtcd's video in the browser")
                #expect(try await Self.decodedFrameRate(of: "web", at: alice) >= 3, "trtcd decodes the browser's camera")
                let trackBefore = try await page.evaluate("t.getVideoTrack({ userId: 'alice' }).id")

                alice.clear()
                #expect(try await page.cutSignaling() >= 1, "the page's signaling connection went through the forwarder")
                let states = "event web connection-state-changed "
                try await page.waitForConsole(states + #"{"prevState":"CONNECTED","state":"DISCONNECTED"}"#)
                try await page.waitForConsole(states + #"{"prevState":"DISCONNECTED","state":"RECONNECTING"}"#)
                try await page.waitForConsole(states + #"{"prevState":"RECONNECTING","state":"CONNECTED"}"#, timeout: .seconds(20))

                // Back in the room with a new peer connection: trtcd's camera on a new track, decoded and changing.
                try await waitUntil("a new remote track", timeout: .seconds(10)) {
                    let now = try await page.evaluate("t.getVideoTrack({ userId: 'alice' })?.id ?? null")
                    return now != .null && now != trackBefore
                }
                _ = try await Self.waitForChangingPicture(page, "trtcd's video in the browser after the reconnection")
                // The browser's camera reaches trtcd again (its new SSRC announced in userVideo).
                var rate: UInt32 = 0
                try await waitUntil("trtcd decoding the browser's camera again", timeout: .seconds(20), interval: .milliseconds(100)) {
                    rate = try await Self.decodedFrameRate(of: "web", at: alice)
                    return rate >= 3
                }
                // The server kept the member through the drop: nobody saw it leave or come back, in either direction.
                #expect(!alice.roomSignals.contains { ["RemoteUserLeaveRoom", "RemoteUserEnterRoom"].contains($0.member) }, "\(alice.roomSignals)")
                #expect(!page.process.output.contains { $0.contains("event web remote-user-exit") || $0.hasPrefix("console event web error") },
                        "\(page.process.output.filter { $0.hasPrefix("console event") })")
            }
        }
    }
}
