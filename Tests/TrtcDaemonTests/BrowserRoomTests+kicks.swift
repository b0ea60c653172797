import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcPipeWire

extension BrowserRoomTests {
    @Test("kicks reach the browser as KICKED_OUT and end its camera and microphone: RemoveUser 'banned', DismissRoom 'room_disband', the same userId elsewhere 'kick'; exitRoom: trtcd sees the leave")
    func kicks() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            let api = try ServerAPIClient(endpoint: room.server.endpoint, secretId: room.server.secretId,
                                          secretKey: room.server.apiSecretKey, trust: room.server.trust)
            let sdkAppId = JSONValue.integer(Int64(room.server.sdkAppId))
            try await alice.enter("alice", room: .numeric(31), server: room.server)
            try await withBrowserPage(server: room.server) { page in
                try await page.evaluate(Self.setUp)
                let startMedia = "t.startLocalVideo().then(() => t.startLocalAudio()).then(() => { window.tracks = [t.getVideoTrack(), t.getAudioTrack()]; return tracks.map((track) => track.readyState).join(); })"
                let trackStates = "tracks.map((track) => track.readyState).join()"

                // RemoveUser → 'banned'; trtcd sees the user removed (reason 2).
                try await Self.enter(page, userId: "web", room: 31, server: room.server)
                #expect(try await page.evaluate(startMedia) == .string("live,live"))
                try await alice.waitFor("RemoteUserEnterRoom") { $0 == [.string("web")] }
                _ = try await api.call("RemoveUser", .object(["SdkAppId": sdkAppId, "RoomId": .integer(31), "UserIds": .array([.string("web")])]))
                try await page.waitForConsole(#"event web kicked-out {"reason":"banned""#)
                try await alice.waitFor("RemoteUserLeaveRoom") { $0 == [.string("web"), .int32(2)] }
                #expect(try await page.evaluate(trackStates) == .string("ended,ended"))
                try await page.waitForConsole(#"event web connection-state-changed {"prevState":"CONNECTED","state":"DISCONNECTED"}"#)

                // DismissRoom → 'room_disband' at the browser, ExitRoom(2) at trtcd.
                alice.clear()
                try await Self.enter(page, userId: "web", room: 31, server: room.server)
                #expect(try await page.evaluate(startMedia) == .string("live,live"))
                _ = try await api.call("DismissRoom", .object(["SdkAppId": sdkAppId, "RoomId": .integer(31)]))
                try await page.waitForConsole(#"event web kicked-out {"reason":"room_disband""#)
                try await alice.waitFor("ExitRoom") { $0 == [.int32(2)] }
                #expect(try await page.evaluate(trackStates) == .string("ended,ended"))

                // The same userId entering from another client → 'kick' at the first; trtcd sees no leave.
                try await alice.enter("alice", room: .numeric(32), server: room.server)
                alice.clear()
                try await Self.enter(page, userId: "web", room: 32, server: room.server)
                #expect(try await page.evaluate(startMedia) == .string("live,live"))
                try await alice.waitFor("RemoteUserEnterRoom") { $0 == [.string("web")] }
                try await page.evaluate("window.second = makeClient('second'); 'made'")
                try await Self.enter(page, client: "second", userId: "web", room: 32, server: room.server)
                try await page.waitForConsole(#"event web kicked-out {"reason":"kick""#)
                #expect(try await page.evaluate(trackStates) == .string("ended,ended"))
                try await Task.sleep(for: .milliseconds(300))
                #expect(!alice.roomSignals.contains { $0.member == "RemoteUserLeaveRoom" }, "\(alice.roomSignals)")

                // exitRoom: trtcd sees the user leave (reason 0); the second client's camera is stopped.
                #expect(try await page.evaluate("second.startLocalVideo().then(() => { window.secondTrack = second.getVideoTrack(); return secondTrack.readyState; })") == .string("live"))
                try await page.evaluate("second.exitRoom().then(() => secondTrack.readyState)")
                try await alice.waitFor("RemoteUserLeaveRoom") { $0 == [.string("web"), .int32(0)] }
                #expect(try await page.evaluate("secondTrack.readyState") == .string("ended"))
            }
        }
    }
}
