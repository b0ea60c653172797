import Foundation
import Testing
import TrtcCore
import TrtcHarnessTesting

@Suite("room lifecycle over real WebSockets")
struct RoomLifecycleTests {
    @Test("enter, see each other, publish, leave, room dropped")
    func lifecycle() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { clients in
                let (alice, bob) = (clients[0], clients[1])
                let aliceEntry = try await alice.enter("alice", video: true)
                #expect(aliceEntry.members.isEmpty)
                #expect(aliceEntry.media.password.count >= 22 && !aliceEntry.media.ufrag.isEmpty)
                #expect(aliceEntry.departureTimeoutMs == 5000)

                let bobEntry = try await bob.enter("bob")
                // Members that publish come with the SSRC of each published stream.
                #expect(bobEntry.members == [MemberInfo(userId: "alice", role: .anchor, video: true, audio: false,
                                                        videoSsrc: aliceEntry.media.videoSsrc)])
                #expect(bobEntry.media.videoSsrc != aliceEntry.media.videoSsrc)
                #expect(try await alice.next() == .userEnter(userId: "bob", role: .anchor))

                #expect(try await bob.request { .publish(seq: $0, video: nil, audio: true) } == .ack(seq: 2))
                #expect(try await alice.next() == .userAudio(userId: "bob", available: true, ssrc: bobEntry.media.audioSsrc))
                #expect(try await bob.request { .publish(seq: $0, video: nil, audio: false) } == .ack(seq: 3))
                #expect(try await alice.next() == .userAudio(userId: "bob", available: false))

                #expect(try await bob.request { .leave(seq: $0) } == .ack(seq: 4))
                try await bob.waitClosed()
                #expect(try await alice.next() == .userLeave(userId: "bob", reason: .left))
                #expect(await server.parts.stats().rooms == 1)

                #expect(try await alice.request { .leave(seq: $0) } == .ack(seq: 2))
                try await alice.waitClosed()
                #expect(await server.parts.stats().rooms == 0)
                #expect(await server.parts.stats().users == 0)
            }
        }
    }

    @Test("the same userId entering again while publishing: the others get its new SSRCs, not a leave")
    func duplicateAnnouncesNewStreams() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { c in
                let (first, other, second) = (c[0], c[1], c[2])
                let firstEntry = try await first.enter("dup", video: true, audio: true)
                try await other.enter("watcher")
                let entry = try await second.enter("dup", video: true, audio: true)
                #expect(entry.media.videoSsrc != firstEntry.media.videoSsrc && entry.media.audioSsrc != firstEntry.media.audioSsrc)
                #expect(try await other.next() == .userVideo(userId: "dup", available: true, ssrc: entry.media.videoSsrc))
                #expect(try await other.next() == .userAudio(userId: "dup", available: true, ssrc: entry.media.audioSsrc))
                try await other.expectNothing()
            }
        }
    }

    @Test("numeric room 123 and string room \"123\" are different rooms; apps are separate")
    func roomNamespaces() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { c in
                try await c[0].enter("u1", room: .numeric(123))
                let second = try await c[1].enter("u2", room: .string("123"))
                #expect(second.members.isEmpty)
                let third = try await c[2].enter("u3", room: .numeric(123), sdkAppId: TestServer.otherAppId)
                #expect(third.members.isEmpty)
                try await c[0].expectNothing()
            }
        }
    }

    @Test("duplicate userId: the earlier client is kicked with reason 3, the others see nothing")
    func duplicateKick() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { c in
                let (first, other, second) = (c[0], c[1], c[2])
                let firstEntry = try await first.enter("dup", audio: true)
                try await other.enter("watcher")
                #expect(try await first.next() == .userEnter(userId: "watcher", role: .anchor))

                let entry = try await second.enter("dup", video: true)
                #expect(entry.media.videoSsrc != firstEntry.media.videoSsrc)
                #expect(entry.members.map(\.userId) == ["watcher"])
                #expect(try await first.next() == .exit(reason: .kickedByDuplicateUser,
                                                      message: "the same userId entered the room from another client"))
                try await first.waitClosed()
                // Never left, never re-entered: only the publishing state changed.
                #expect(try await other.next() == .userVideo(userId: "dup", available: true, ssrc: entry.media.videoSsrc))
                #expect(try await other.next() == .userAudio(userId: "dup", available: false))
                try await other.expectNothing()
                #expect(await server.parts.stats().users == 2)
            }
        }
    }

    @Test("live scene: only anchors are announced; role switches are enter/leave(3)")
    func liveScene() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { c in
                let (anchor, viewer, other) = (c[0], c[1], c[2])
                try await anchor.enter("host", room: .string("live-1"), scene: .live, role: .anchor, video: true)
                let viewerEntry = try await viewer.enter("viewer", room: .string("live-1"), scene: .live, role: .audience)
                #expect(viewerEntry.members.map(\.userId) == ["host"])
                try await anchor.expectNothing(for: .milliseconds(200))

                // An audience member cannot publish.
                guard case .error(let refused) = try await viewer.request({ .publish(seq: $0, video: true, audio: nil) }) else {
                    throw TestFailure("audience publish was accepted")
                }
                #expect(refused.code == -3340)

                try await other.enter("other", room: .string("live-1"), scene: .live, role: .audience)
                #expect(try await viewer.request { .switchRole(seq: $0, role: .anchor) } == .ack(seq: 3))
                #expect(try await anchor.next() == .userEnter(userId: "viewer", role: .anchor))
                #expect(try await other.next() == .userEnter(userId: "viewer", role: .anchor))
                #expect(try await anchor.request { .switchRole(seq: $0, role: .audience) } == .ack(seq: 2))
                #expect(try await viewer.next() == .userLeave(userId: "host", reason: .switchedToAudience))
                #expect(try await other.next() == .userLeave(userId: "host", reason: .switchedToAudience))
            }
        }
    }

    @Test("rtc scene: everybody is an anchor and SwitchRole is refused")
    func rtcRoles() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { c in
                try await c[0].enter("a", role: .audience)
                let entry = try await c[1].enter("b")
                #expect(entry.members == [MemberInfo(userId: "a", role: .anchor)])
                #expect(try await c[0].next() == .userEnter(userId: "b", role: .anchor))
                guard case .error(let error) = try await c[0].request({ .switchRole(seq: $0, role: .audience) }) else {
                    throw TestFailure("switchRole in rtc was accepted")
                }
                #expect(error.kind == .refused)
            }
        }
    }
}
