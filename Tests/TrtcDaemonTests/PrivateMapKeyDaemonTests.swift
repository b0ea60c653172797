import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcHarness
import TrtcRTP

/// Room permissions (security finding H3) with real trtcds publishing from PipeWire to a real trtc-server that requires
/// a privateMapKey for the development app.
@Suite("trtcd with privateMapKeys: refused entries, refused publishing, media only to those allowed to receive it", .serialized)
struct PrivateMapKeyDaemonTests {
    static let requireKey = ["--require-private-map-key", "1400000001"]

    static func key(_ room: MediaRoom, _ userId: String, _ privileges: Privileges, roomId: UInt32 = 9) -> String {
        PrivateMapKey.generate(sdkAppId: room.server.sdkAppId, userId: userId, secretKey: room.server.secretKey,
                               room: .numeric(roomId), privileges: privileges, expire: 600)
    }

    @Test("EnterRoom: no key, another room's key, or the microphone open without send-audio → AuthFailed [-100006]; a good key enters; a publish it does not allow reaches nobody")
    func entryAndPublishing() async throws {
        try await withMediaRoom(users: 2, serverArguments: Self.requireKey) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            let noKey = await alice.failure("EnterRoom", [Self.params(room, "alice")])
            #expect(noKey?.name == "org.trtcd.Trtc1.Error.AuthFailed", "\(String(describing: noKey))")
            #expect(noKey?.message.hasPrefix("[-100006] sdkAppId 1400000001 requires a privateMapKey") == true, "\(String(describing: noKey))")
            try await alice.waitFor("EnterRoom") { $0 == [.int64(-100006)] }
            #expect(try await alice.property("State") == .string("idle"))

            let otherRoom = await alice.failure("EnterRoom", [Self.params(room, "alice", key: Self.key(room, "alice", .all, roomId: 10))])
            #expect(otherRoom?.message.hasPrefix("[-100006] privateMapKey is for roomId 10, not roomId 9") == true, "\(String(describing: otherRoom))")

            try await alice.enter("alice", room: .numeric(9), server: room.server,
                                  extra: ["privateMapKey": .string(Self.key(room, "alice", .all))])
            #expect(try await alice.property("State") == .string("in-room"))

            // Bob may enter and receive, not send: with the microphone open his entry is refused, saying why.
            let listener = Self.key(room, "bob", [.enterRoom, .receiveAudio, .receiveVideo])
            try await bob.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName)])
            let withMicrophone = await bob.failure("EnterRoom", [Self.params(room, "bob", key: listener)])
            #expect(withMicrophone?.name == "org.trtcd.Trtc1.Error.AuthFailed")
            #expect(withMicrophone?.message.contains("does not allow to send audio (privilege 4)") == true, "\(String(describing: withMicrophone))")
            try await bob.call("StopLocalAudio")
            try await bob.enter("bob", room: .numeric(9), server: room.server, extra: ["privateMapKey": .string(listener)])
            try await alice.waitFor("RemoteUserEnterRoom") { $0 == [.string("bob")] }

            // In the room he opens the microphone: trtcd asks to publish, the server refuses, nobody hears of it.
            try await bob.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName)])
            try await Task.sleep(for: .seconds(2))
            #expect(!alice.roomSignals.contains { $0.member == "UserAudioAvailable" }, "\(alice.roomSignals)")
            #expect(try room.recordedCount(user: "bob", payloadType: RTPPayloadType.opus) == 0)
            // No key, another room's, the microphone at entry, and the publish.
            #expect(try await room.metric("trtc_private_map_key_refusals_total") ?? 0 >= 4)
        }
    }

    @Test("a publishing trtcd's media reaches a member with both receive bits, only audio one with the audio bit, nothing one with neither")
    func mediaFollowsReceiveBits() async throws {
        try await withMediaRoom(users: 1, serverArguments: Self.requireKey) { room in
            let alice = room.clients[0]
            try await alice.startVideo([
                "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240),
                "fps": .uint32(15), "bitrate": .uint32(300),
            ])
            try await alice.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName)])
            try await alice.enter("alice", room: .numeric(9), server: room.server,
                                  extra: ["privateMapKey": .string(Self.key(room, "alice", .all))])
            let members: [(String, Privileges)] = [
                ("both", [.enterRoom, .receiveAudio, .receiveVideo]), ("audio", [.enterRoom, .receiveAudio]), ("none", [.enterRoom]),
            ]
            let counts = try await withThrowingTaskGroup(of: (String, Int, Int, Int).self) { group in
                for (userId, privileges) in members {
                    let key = Self.key(room, userId, privileges)
                    group.addTask {
                        try await RawMediaMember.with(room, userId: userId, roomId: 9, video: false, audio: false,
                                                      privateMapKey: key) { _, peer in
                            // RTP bytes only: a publisher's sender reports (no media) reach every member receiving its kind.
                            var (vp8, opus, bytes) = (0, 0, 0)
                            let end = ContinuousClock.now + .seconds(3)
                            while ContinuousClock.now < end {
                                for packet in peer.receive(timeoutMs: 200) {
                                    guard let rtp = try? RTPPacket(parsing: packet) else { continue }
                                    if rtp.payloadType == RTPPayloadType.vp8 { vp8 += 1 }
                                    if rtp.payloadType == RTPPayloadType.opus { opus += 1 }
                                    if [RTPPayloadType.vp8, RTPPayloadType.opus].contains(rtp.payloadType) { bytes += packet.count }
                                }
                            }
                            return (userId, vp8, opus, bytes)
                        }
                    }
                }
                var counts: [String: (vp8: Int, opus: Int, bytes: Int)] = [:]
                for try await (userId, vp8, opus, bytes) in group { counts[userId] = (vp8, opus, bytes) }
                return counts
            }
            let both = try #require(counts["both"]), audio = try #require(counts["audio"]), none = try #require(counts["none"])
            #expect(both.vp8 > 20 && both.opus > 50, "both: \(both)")
            #expect(audio.vp8 == 0 && audio.opus > 50, "audio: \(audio)")
            #expect(none.vp8 == 0 && none.opus == 0 && none.bytes == 0, "none: \(none)")
            #expect((try await room.metric("trtc_media_dropped_total{reason=\"not-permitted\"}") ?? 0) > 0)
        }
    }

    static func params(_ room: MediaRoom, _ userId: String, key: String? = nil) -> DBusValue {
        var params: [String: DBusValue] = [
            "sdkAppId": .uint32(room.server.sdkAppId), "userId": .string(userId), "roomId": .uint32(9),
            "userSig": .string(UserSig.generate(sdkAppId: room.server.sdkAppId, userId: userId, secretKey: room.server.secretKey,
                                                expire: 3600)),
        ]
        if let key { params["privateMapKey"] = .string(key) }
        return .variantDictionary(params)
    }
}
