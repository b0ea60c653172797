import Foundation
import Testing
import TrtcCore

@Suite("bad signaling input gets the right error; the room keeps working")
struct BadSignalingInputTests {
    private func expectError(_ client: TestClient, code: Int32, kind: SignalingError.Kind? = nil,
                             sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let answer = try await client.next()
        guard case .error(let error) = answer else {
            Issue.record("expected error \(code), got \(answer)", sourceLocation: sourceLocation)
            return
        }
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        if let kind { #expect(error.kind == kind, sourceLocation: sourceLocation) }
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
    }

    @Test("malformed, partial, wrong types, unknown types, binary (oversized: MessageLimitTests)")
    func malformedMessages() async throws {
        try await withTestServer { server in
            try await withClients(4, server) { c in
                let (alice, bob, mallory, eve) = (c[0], c[1], c[2], c[3])
                try await alice.enter("alice")
                let bobEntry = try await bob.enter("bob")
                _ = try await alice.next()
                // Mallory is a member of another room, so that her errors come whole: before `enter` a connection is
                // answered with no more bytes than it sent (security.md, "Amplification"; HostileBenchSmokeTests).
                try await mallory.enter("mallory", room: .numeric(2))

                for text in ["{", "not json", "", "[1,2,3]", "\"enter\"", "{\"seq\":1}", "{\"type\":5}",
                             "{\"type\":\"enter\",\"seq\":-1}", "{\"type\":\"leave\"}", String(repeating: "[", count: 5000)] {
                    mallory.channel.sendRaw(text)
                    try await expectError(mallory, code: -3340, kind: .badMessage)
                }
                mallory.channel.sendRaw("{\"type\":\"teleport\",\"seq\":9}")
                try await expectError(mallory, code: -3340, kind: .badMessage)
                mallory.channel.sendRaw("{\"type\":\"enter\",\"seq\":1,\"sdkAppId\":\"1400000001\",\"userId\":\"m\",\"userSig\":\"x\",\"roomId\":1}")
                try await expectError(mallory, code: -3317)
                mallory.channel.sendRaw("{\"type\":\"enter\",\"seq\":1,\"sdkAppId\":1400000001,\"userId\":7,\"userSig\":\"x\",\"roomId\":1}")
                try await expectError(mallory, code: -3319)
                mallory.channel.sendRaw("{\"type\":\"enter\",\"seq\":1,\"sdkAppId\":1400000001,\"userId\":\"m\",\"userSig\":\"x\",\"roomId\":\"1\"}")
                try await expectError(mallory, code: -3318)
                mallory.channel.sendRaw("{\"type\":\"enter\",\"seq\":1,\"sdkAppId\":1400000001,\"userId\":\"m\",\"userSig\":\"x\",\"roomId\":1,\"scene\":\"party\"}")
                try await expectError(mallory, code: -3340, kind: .badMessage)
                // Requests that need a room, from a connection in none.
                #expect(try await eve.request { .publish(seq: $0, video: true, audio: nil) }.errorKind == .refused)
                #expect(try await eve.request { .leave(seq: $0) }.errorKind == .refused)

                // The room is unharmed.
                #expect(try await bob.request { .publish(seq: $0, video: true, audio: nil) } == .ack(seq: 2))
                #expect(try await alice.next() == .userVideo(userId: "bob", available: true, ssrc: bobEntry.media.videoSsrc))
                try await alice.expectNothing(for: .milliseconds(100))
                #expect(!mallory.isClosed)
            }
        }
    }

    @Test("invalid identifiers and UserSigs answer with TRTC's codes")
    func invalidIdentifiers() async throws {
        // Dozens of enters on one connection: the state-change rate limit (SignalingRateLimitTests) is off here.
        try await withTestServer(configure: { $0.stateChangesPerSecond = 0 }) { server in
            try await withClients(2, server) { c in
                let (member, mallory) = (c[0], c[1])
                try await member.enter("member")
                func enter(sdkAppId: Int64? = Int64(TestServer.sdkAppId), userId: String? = "mallory", userSig: String?? = nil,
                           roomId: Int64? = 1, strRoomId: String? = nil) {
                    let sig = userSig ?? TestServer.userSig(userId ?? "mallory")
                    mallory.send(.enter(EnterRequest(seq: mallory.channel.makeSeq(), sdkAppId: sdkAppId, userId: userId,
                                                     userSig: sig, roomId: roomId, strRoomId: strRoomId)))
                }
                enter(sdkAppId: nil); try await expectError(mallory, code: -3317)
                enter(sdkAppId: 0); try await expectError(mallory, code: -3317)
                enter(sdkAppId: 4_294_967_296); try await expectError(mallory, code: -3317)
                enter(sdkAppId: 1_400_000_099); try await expectError(mallory, code: -3317)
                enter(roomId: nil); try await expectError(mallory, code: -3316)
                enter(roomId: 0); try await expectError(mallory, code: -3318)
                enter(roomId: 4_294_967_295); try await expectError(mallory, code: -3318)
                enter(roomId: nil, strRoomId: ""); try await expectError(mallory, code: -3316)
                enter(roomId: nil, strRoomId: String(repeating: "r", count: 65)); try await expectError(mallory, code: -3318)
                enter(roomId: nil, strRoomId: "slash/room"); try await expectError(mallory, code: -3318)
                enter(userId: nil); try await expectError(mallory, code: -3319)
                enter(userId: ""); try await expectError(mallory, code: -3319)
                enter(userId: String(repeating: "u", count: 33)); try await expectError(mallory, code: -3319)
                enter(userId: "has space"); try await expectError(mallory, code: -3319)
                enter(userSig: .some(nil)); try await expectError(mallory, code: -3320)
                enter(userSig: ""); try await expectError(mallory, code: -3320)
                enter(userSig: "garbage"); try await expectError(mallory, code: -100018, kind: .authFailed)
                enter(userSig: TestServer.userSig("someone-else")); try await expectError(mallory, code: -100018)
                enter(userSig: TestServer.userSig("mallory", key: "wrong-key")); try await expectError(mallory, code: -100018)
                enter(userSig: TestServer.userSig("mallory", sdkAppId: TestServer.otherAppId, key: TestServer.otherSecretKey))
                try await expectError(mallory, code: -100018)
                let past = Int(Date().timeIntervalSince1970) - 7200
                enter(userSig: TestServer.userSig("mallory", expire: 60, time: past)); try await expectError(mallory, code: -100018)

                // Still a working connection and a working room.
                let entry = try await mallory.enter("mallory")
                #expect(entry.members.map(\.userId) == ["member"])
                #expect(try await member.next() == .userEnter(userId: "mallory", role: .anchor))
                // Entering twice on one connection is refused.
                mallory.send(.enter(EnterRequest(seq: 99, sdkAppId: TestServer.sdkAppId, userId: "mallory",
                                                 userSig: TestServer.userSig("mallory"), room: .numeric(2))))
                try await expectError(mallory, code: -3340, kind: .refused)
            }
        }
    }

    @Test("a frame beyond the transport limit closes only that connection")
    func hugeFrame() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { c in
                try await c[0].enter("steady")
                c[1].channel.sendRaw(String(repeating: "z", count: 2 << 20))
                try await c[1].waitClosed()
                _ = try await withClients(1, server) { n in
                    try await n[0].enter("newcomer")
                }
                #expect(try await c[0].next() == .userEnter(userId: "newcomer", role: .anchor))
            }
        }
    }
}

extension ServerMessage {
    var errorKind: SignalingError.Kind? { if case .error(let e) = self { e.kind } else { nil } }
}
