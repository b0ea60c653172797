import Testing
import TrtcCore
import TrtcHarnessTesting

/// One valid UserSig walking the room space: each `entered` lists a room's members (security finding H3).
@Suite("signaling: room enumeration is throttled per user")
struct RoomEnumerationTests {
    @Test("5 rooms a minute: the 6th new room is refused, a room entered before and other users are not; the budget refills")
    func newRoomsPerUserAreLimited() async throws {
        try await withTestServer(configure: { $0.roomEntriesPerMinute = 5 }) { server in
            try await withClients(8, server) { clients in
                for room in 1...5 {
                    try await clients[room - 1].enter("walker", room: .numeric(UInt32(room)))
                }
                let refused = try await clients[5].request { seq in
                    .enter(EnterRequest(seq: seq, sdkAppId: TestServer.sdkAppId, userId: "walker",
                                        userSig: TestServer.userSig("walker"), room: .numeric(6)))
                }
                guard case .error(let error) = refused else { throw TestFailure("the 6th room was answered \(refused)") }
                #expect(error.kind == .refused && error.code == -3340)
                #expect(error.message == "too many rooms entered by userId walker: at most 5 per minute")
                #expect(try await server.metric("trtc_room_entries_throttled_total") == 1)

                // Room 1 again (the user is in it: a second device or a reconnect) costs nothing.
                try await clients[6].enter("walker", room: .numeric(1))
                // Another user of the same app has its own budget.
                try await clients[7].enter("other", room: .numeric(6))

                // 5 per minute: one new room every 12 s. (A fresh connection: an unentered one is closed after 10 s.)
                try await Task.sleep(for: .seconds(12.5))
                try await withClients(1, server) { later in
                    _ = try await later[0].enter("walker", room: .numeric(7))
                }
                #expect(try await server.metric("trtc_room_entries_throttled_total") == 1)
            }
        }
    }
}
