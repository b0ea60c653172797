import Foundation
import Testing
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting
import TrtcRTP
import TrtcServer

/// Room permissions as TRTC does them (security finding H3): an app configured to require a privateMapKey admits,
/// lets publish and forwards media by the key's privilege bits. The keys are made by Tencent's own Python library.
@Suite("privateMapKey: room permissions enforced by trtc-server")
struct PrivateMapKeyTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TrtcCoreTests/Vectors/private_map_key.py").standardizedFileURL

    /// A key made by Tencent's TLSSigAPIv2 (`gen_sig_with_userbuf` over genUserBuf's layout).
    static func tencentKey(_ userId: String, room: RoomName = .numeric(1), privileges: UInt32, expire: Int = 3600,
                           sdkAppId: UInt32 = TestServer.sdkAppId, secretKey: String = TestServer.secretKey) async throws -> String {
        let roomArguments = switch room {
        case .numeric(let id): ["--room", String(id)]
        case .string(let id): ["--str-room", id]
        }
        let run = try await CommandRun.run(
            "python3", [script.path, "make", String(sdkAppId), secretKey, userId] + roomArguments
                + ["--privileges", String(privileges), "--expire", String(expire)])
        guard run.status == 0 else { throw TestFailure("private_map_key.py failed: \(run)") }
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The answer to an `enter` with `privateMapKey`.
    static func enter(_ client: TestClient, _ userId: String, key: String?, room: RoomName = .numeric(1), video: Bool = false,
                      audio: Bool = false, sdkAppId: UInt32 = TestServer.sdkAppId) async throws -> ServerMessage {
        let secret = sdkAppId == TestServer.sdkAppId ? TestServer.secretKey : TestServer.otherSecretKey
        client.send(.enter(EnterRequest(
            seq: client.channel.makeSeq(), sdkAppId: sdkAppId, userId: userId,
            userSig: TestServer.userSig(userId, sdkAppId: sdkAppId, key: secret), room: room, video: video, audio: audio,
            media: TestMedia.identity.offer, privateMapKey: key)))
        let answer = try await client.next()
        if case .entered(let entered) = answer { client.heartbeatMs.store(entered.heartbeatMs, ordering: .relaxed) }
        return answer
    }

    static func expectRefused(_ answer: ServerMessage, saying expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard case .error(let error) = answer else {
            Issue.record("expected a refusal saying \(expected), got \(answer)", sourceLocation: sourceLocation)
            return
        }
        #expect(error.code == -100006 && error.kind == .authFailed, "\(error)", sourceLocation: sourceLocation)
        #expect(error.message.contains(expected), "\(error.message) should say \(expected)", sourceLocation: sourceLocation)
    }

    @Test("required: no key, another secret, expired, another room, user or app, no enter bit → -100006; a Tencent-made key admits")
    func entryNeedsAValidKey() async throws {
        try await withTestServer(configure: { $0.appsRequiringPrivateMapKey = [TestServer.sdkAppId] }) { server in
            try await withClients(1, server) { clients in
                let c = clients[0]
                let refusals: [(String?, String)] = [
                    (nil, "requires a privateMapKey"),
                    (try await Self.tencentKey("alice", privileges: 255, secretKey: "not the app's key"), "signature does not match"),
                    (try await Self.tencentKey("alice", privileges: 255, expire: -10), "expired"),
                    (try await Self.tencentKey("alice", room: .numeric(2), privileges: 255), "is for roomId 2, not roomId 1"),
                    (try await Self.tencentKey("alice", room: .string("1"), privileges: 255), "is for strRoomId \"1\", not roomId 1"),
                    (try await Self.tencentKey("mallory", privileges: 255), "is for userId \"mallory\""),
                    (try await Self.tencentKey("alice", privileges: 255, sdkAppId: TestServer.otherAppId,
                                               secretKey: TestServer.otherSecretKey), "is for sdkAppId \(TestServer.otherAppId)"),
                    (try await Self.tencentKey("alice", privileges: 0xFF & ~2), "does not allow to enter the room (privilege 2)"),
                ]
                for (key, expected) in refusals {
                    Self.expectRefused(try await Self.enter(c, "alice", key: key), saying: expected)
                }
                #expect(try await server.metric("trtc_private_map_key_refusals_total") == refusals.count)
                #expect(try await server.metric("trtc_users") == 0)
                let answer = try await Self.enter(c, "alice", key: try await Self.tencentKey("alice", privileges: 255))
                guard case .entered(let entered) = answer else { throw TestFailure("a valid key was answered \(answer)") }
                #expect(entered.userId == "alice")
            }
        }
    }

    @Test("creating a room needs bit 1: a key of 42 (enter, receive) cannot open an empty room, but enters once it exists")
    func creatingNeedsTheCreateBit() async throws {
        try await withTestServer(configure: { $0.appsRequiringPrivateMapKey = [TestServer.sdkAppId] }) { server in
            try await withClients(2, server) { clients in
                let viewerKey = try await Self.tencentKey("viewer", privileges: 42)
                Self.expectRefused(try await Self.enter(clients[0], "viewer", key: viewerKey), saying: "does not allow to create the room")
                guard case .entered = try await Self.enter(clients[1], "host", key: try await Self.tencentKey("host", privileges: 255)) else {
                    throw TestFailure("the host was not admitted")
                }
                guard case .entered(let entered) = try await Self.enter(clients[0], "viewer", key: viewerKey) else {
                    throw TestFailure("the viewer was not admitted to the existing room")
                }
                #expect(entered.members.map(\.userId) == ["host"])
            }
        }
    }

    @Test("publishing needs the send bits: at entry and by publish, refused and not told to the room; allowed kinds are")
    func publishingNeedsSendBits() async throws {
        try await withTestServer(configure: { $0.appsRequiringPrivateMapKey = [TestServer.sdkAppId] }) { server in
            try await withClients(2, server) { clients in
                let (watcher, speaker) = (clients[0], clients[1])
                guard case .entered = try await Self.enter(watcher, "watcher", key: try await Self.tencentKey("watcher", privileges: 255)) else {
                    throw TestFailure("watcher not admitted")
                }
                // Enter, send audio, receive audio and video: no video.
                let key = try await Self.tencentKey("speaker", privileges: 2 | 4 | 8 | 32)
                Self.expectRefused(try await Self.enter(speaker, "speaker", key: key, video: true, audio: true),
                                   saying: "does not allow to send video (privilege 16)")
                guard case .entered = try await Self.enter(speaker, "speaker", key: key, audio: true) else {
                    throw TestFailure("speaker not admitted with audio")
                }
                #expect(try await watcher.next() == .userEnter(userId: "speaker", role: .anchor))
                guard case .userAudio("speaker", true, _) = try await watcher.next() else { throw TestFailure("no userAudio") }
                Self.expectRefused(try await speaker.request { .publish(seq: $0, video: true, audio: nil) },
                                   saying: "does not allow to send video")
                try await watcher.expectNothing()
                #expect(try await speaker.request { .publish(seq: $0, video: nil, audio: false) } == .ack(seq: 4))
                #expect(try await speaker.request { .publish(seq: $0, video: false, audio: true) } == .ack(seq: 5))
                #expect(try await server.metric("trtc_private_map_key_refusals_total") == 2)
            }
        }
    }

    @Test("receiving needs the receive bits: the SFU forwards only the kinds a member may receive, and ignores its NACK/PLI otherwise")
    func forwardingFollowsReceiveBits() async throws {
        try await withTestServer(configure: { $0.appsRequiringPrivateMapKey = [TestServer.sdkAppId] }) { server in
            try await withClients(4, server) { clients in
                let alice = try await Self.admitted(clients[0], "alice", privileges: 255, video: true, audio: true)
                let bob = try await Self.admitted(clients[1], "bob", privileges: 2 | 8)          // audio only
                let carol = try await Self.admitted(clients[2], "carol", privileges: 2 | 8 | 32)  // audio and video
                let dave = try await Self.admitted(clients[3], "dave", privileges: 2)             // nothing
                try await withUDPSockets(4) { sockets in
                    let (a, b, c, d) = (sockets[0], sockets[1], sockets[2], sockets[3])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    try await c.connect(carol.media)
                    try await d.connect(dave.media)
                    let packets = 20
                    for sequence in 1...packets {
                        try await a.send(try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: UInt16(sequence)), to: alice.media)
                        try await a.send(try MediaForwardingTests.rtp(ssrc: alice.media.audioSsrc, sequence: UInt16(sequence),
                                                                      payloadType: RTPPayloadType.opus, payload: [0xF8, 1, 2]), to: alice.media)
                    }
                    let (bobAudio, bobVideo, bobBytes) = try await Self.drain(b, alice.media)
                    let (carolAudio, carolVideo, _) = try await Self.drain(c, alice.media)
                    let (daveAudio, daveVideo, daveBytes) = try await Self.drain(d, alice.media)
                    #expect(carolAudio == packets && carolVideo == packets)
                    #expect(bobAudio == packets && bobVideo == 0, "bob: \(bobAudio) audio, \(bobVideo) video, \(bobBytes) bytes")
                    #expect(daveAudio == 0 && daveVideo == 0 && daveBytes == 0, "dave: \(daveBytes) bytes")
                    #expect(try await MediaForwardingTests.dropped(server, "not-permitted") == packets * 3)

                    // Bob and dave may not receive video: their NACK and PLI for alice's video get no resend and reach
                    // nobody; carol's PLI reaches alice.
                    for (socket, member) in [(b, bob), (d, dave)] {
                        try await socket.send(RTCPPictureLossIndication(senderSSRC: member.media.audioSsrc,
                                                                        mediaSSRC: alice.media.videoSsrc).serialized(), to: member.media)
                        try await socket.send(RTCPGenericNACK(senderSSRC: member.media.audioSsrc, mediaSSRC: alice.media.videoSsrc,
                                                              sequenceNumbers: [3, 4]).serialized(), to: member.media)
                    }
                    try await a.expectNothing(for: .milliseconds(300))
                    try await b.expectNothing(for: .zero)
                    try await d.expectNothing(for: .zero)
                    #expect(try await server.metric("trtc_media_retransmissions_total") == 0)
                    #expect(try await MediaForwardingTests.dropped(server, "not-permitted") == packets * 3 + 4)
                    try await c.send(RTCPPictureLossIndication(senderSSRC: carol.media.videoSsrc, mediaSSRC: alice.media.videoSsrc)
                        .serialized(), to: carol.media)
                    let pli = try RTCPPacket.parseCompound(try await a.receive())
                    guard case .pictureLossIndication? = pli.first else { throw TestFailure("alice got \(pli), not a PLI") }
                }
            }
        }
    }

    @Test("not required: a client without a key enters as before; a key it gives is still verified and its bits honoured")
    func givenKeysAreHonouredWithoutTheRequirement() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { clients in
                guard case .entered = try await Self.enter(clients[0], "plain", key: nil, video: true) else {
                    throw TestFailure("a client without a key was refused")
                }
                Self.expectRefused(try await Self.enter(clients[1], "keyed", key: try await Self.tencentKey("keyed", room: .numeric(9), privileges: 255)),
                                   saying: "is for roomId 9")
                let listener = try await Self.tencentKey("listener", privileges: 2 | 8)
                guard case .entered = try await Self.enter(clients[2], "listener", key: listener) else {
                    throw TestFailure("a valid key was refused")
                }
                Self.expectRefused(try await clients[2].request { .publish(seq: $0, video: nil, audio: true) },
                                   saying: "does not allow to send audio (privilege 4)")
            }
        }
    }

    @Test("configuration: requirePrivateMapKey per app in the file, --require-private-map-key, roomEntriesPerMinute; unknown apps refused")
    func configuration() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-pmk-\(UUID()).json")
        try Data(#"""
            {"apps": [{"sdkAppId": 1400000011, "secretKey": "a", "requirePrivateMapKey": true},
                      {"sdkAppId": 1400000012, "secretKey": "b", "requirePrivateMapKey": false},
                      {"sdkAppId": 1400000013, "secretKey": "c"}],
             "apiCredentials": [{"secretId": "AKIDx", "secretKey": "k"}], "roomEntriesPerMinute": 12}
            """#.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let (fromFile, banner) = try ServerCommand.parse(["--config", file.path]).makeConfiguration()
        #expect(fromFile.appsRequiringPrivateMapKey == [1_400_000_011])
        #expect(fromFile.roomEntriesPerMinute == 12)
        #expect(banner.contains("privateMapKey required: 1400000011\n"))
        // An --app flag replaces the key of the file's app, not its requirement; the flag adds apps.
        let flags = try ServerCommand.parse(["--config", file.path, "--app", "1400000011:new", "--require-private-map-key", "1400000013",
                                             "--room-entries-per-minute", "0"]).makeConfiguration().0
        #expect(flags.appsRequiringPrivateMapKey == [1_400_000_011, 1_400_000_013])
        #expect(flags.apps[1_400_000_011] == "new" && flags.roomEntriesPerMinute == 0)
        #expect(try ServerCommand.parse(["--app", "1400000001:k", "--api-credential", "AKIDx:k"]).makeConfiguration().0.roomEntriesPerMinute == 30)
        #expect(throws: (any Error).self) {
            try ServerCommand.parse(["--config", file.path, "--require-private-map-key", "1400000099"]).makeConfiguration()
        }
        #expect(throws: (any Error).self) {
            try ServerCommand.parse(["--config", file.path, "--room-entries-per-minute", "-1"]).makeConfiguration()
        }
    }

    // MARK: helpers

    static func admitted(_ client: TestClient, _ userId: String, privileges: UInt32, video: Bool = false,
                         audio: Bool = false) async throws -> ServerMessage.Entered {
        let answer = try await enter(client, userId, key: try await tencentKey(userId, privileges: privileges), video: video, audio: audio)
        guard case .entered(let entered) = answer else { throw TestFailure("\(userId) was answered \(answer)") }
        return entered
    }

    /// Every datagram that arrives until 300 ms pass without one: RTP packets of `publisher`'s audio and video SSRCs,
    /// and all bytes (RTCP included).
    static func drain(_ socket: UDPTestSocket, _ publisher: MediaGrant) async throws -> (audio: Int, video: Int, bytes: Int) {
        var (audio, video, bytes) = (0, 0, 0)
        while let datagram = try? await socket.receive(timeout: .milliseconds(300)) {
            bytes += datagram.count
            guard let packet = try? RTPPacket(parsing: datagram) else { continue }
            if packet.ssrc == publisher.audioSsrc { audio += 1 }
            if packet.ssrc == publisher.videoSsrc { video += 1 }
        }
        return (audio, video, bytes)
    }
}
