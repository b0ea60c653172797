import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcRTP
import TrtcServer

/// The SFU over real sockets: signaling hands out tokens and SSRCs, UDP sockets bind with them, RTP flows.
@Suite struct MediaForwardingTests {
    static func rtp(ssrc: UInt32, sequence: UInt16 = 1, payloadType: UInt8 = RTPPayloadType.vp8, payload: [UInt8] = Array(0..<100)) throws -> [UInt8] {
        try RTPPacket(payloadType: payloadType, marker: true, sequenceNumber: sequence, timestamp: 90_000, ssrc: ssrc,
                      payload: payload).serialized()
    }

    static func receiverReport(ssrc: UInt32) throws -> [UInt8] {
        RTCPPacket.serializeCompound([.receiverReport(try RTCPReceiverReport(ssrc: ssrc, reportBlocks: []))])
    }

    @Test func forwardsUnchangedToTheRoom() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { clients in
                let alice = try await clients[0].enter("alice", video: true, audio: true)
                let bob = try await clients[1].enter("bob")
                _ = try await clients[0].next()  // userEnter bob
                let carol = try await clients[2].enter("carol", room: .numeric(2), video: true)
                #expect(alice.media.port != 0 && alice.media.port == bob.media.port)
                #expect(Set([alice.media.audioSsrc, alice.media.videoSsrc, bob.media.audioSsrc, bob.media.videoSsrc]).count == 4)
                #expect(alice.media.token != bob.media.token && alice.media.token.count == 32)

                try await withUDPSockets(3) { sockets in
                    let (a, b, c) = (sockets[0], sockets[1], sockets[2])
                    let answer = try await a.bind(alice.media)
                    #expect(answer == Array("TRTA".utf8) + [1] + UDPTestSocket.hexBytes(alice.media.token))
                    try await b.bind(bob.media)
                    try await c.bind(carol.media)
                    let outBefore = try await server.metric(#"trtc_media_packets_total{direction="out"}"#)

                    let video = try Self.rtp(ssrc: alice.media.videoSsrc)
                    try await a.send(video, to: alice.media)
                    #expect(try await b.receive() == video)
                    let audio = try Self.rtp(ssrc: alice.media.audioSsrc, payloadType: RTPPayloadType.opus, payload: [0xF8, 1, 2, 3])
                    try await a.send(audio, to: alice.media)
                    #expect(try await b.receive() == audio)

                    // Bob publishes nothing but reports on what he receives: RTCP goes back to alice.
                    let report = try Self.receiverReport(ssrc: bob.media.videoSsrc)
                    try await b.send(report, to: bob.media)
                    #expect(try await a.receive() == report)

                    // No echo to the sender, nothing into another room.
                    try await a.expectNothing(for: .milliseconds(100))
                    try await c.expectNothing(for: .milliseconds(100))
                    // Every bind is answered (a client repeats its bind until the answer arrives).
                    let bindsSent = sockets.reduce(0) { $0 + $1.bindsSent.load(ordering: .relaxed) }
                    #expect(try await server.metric("trtc_media_binds_total") == bindsSent)
                    #expect(try await server.metric("trtc_media_bound_sessions") == 3)
                    #expect(try await server.metric(#"trtc_media_packets_total{direction="out"}"#) == outBefore + 3)
                }
            }
        }
    }

    @Test func dropsAndCountsWhatIsNotAllowed() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { clients in
                let alice = try await clients[0].enter("alice", video: true)
                let bob = try await clients[1].enter("bob")
                _ = try await clients[0].next()  // userEnter bob
                try await withUDPSockets(3) { sockets in
                    let (a, b, stranger) = (sockets[0], sockets[1], sockets[2])
                    try await a.bind(alice.media)
                    try await b.bind(bob.media)
                    let inBefore = try await server.metric(#"trtc_media_packets_total{direction="in"}"#)
                    // An unbound address, even with a valid SSRC.
                    try await stranger.send(try Self.rtp(ssrc: alice.media.videoSsrc), to: alice.media)
                    // A bound address with somebody else's SSRC (bob's), and garbage.
                    try await a.send(try Self.rtp(ssrc: bob.media.videoSsrc), to: alice.media)
                    try await a.send(Array("hello, is this RTP?".utf8), to: alice.media)
                    try await a.send([0x80], to: alice.media)
                    // Audio that alice does not publish.
                    try await a.send(try Self.rtp(ssrc: alice.media.audioSsrc, payloadType: RTPPayloadType.opus), to: alice.media)
                    // A bind with a token nobody holds, and one of a future protocol version: not answered.
                    try await stranger.expectNoBindAnswer {
                        try await stranger.send(UDPTestSocket.bindDatagram(token: String(repeating: "ab", count: 16)), to: alice.media)
                        try await stranger.send(UDPTestSocket.bindDatagram(token: alice.media.token, version: 2), to: alice.media)
                    }
                    // Larger than any packet of the protocol.
                    try await a.send(try Self.rtp(ssrc: alice.media.videoSsrc, payload: Array(repeating: 7, count: 1600)), to: alice.media)

                    try await b.expectNothing()
                    try await stranger.expectNothing(for: .zero)
                    for (reason, count) in [("unbound", 1), ("bad-ssrc", 1), ("malformed", 2), ("not-publishing", 1),
                                            ("bad-token", 1), ("bad-version", 1), ("too-large", 1)] {
                        #expect(try await server.metric(#"trtc_media_dropped_total{reason="\#(reason)"}"#) == count, "\(reason)")
                    }
                    #expect(try await server.metric(#"trtc_media_packets_total{direction="in"}"#) == inBefore + 8)

                    // Once alice publishes audio (acked), it flows.
                    #expect(try await clients[0].request { .publish(seq: $0, video: nil, audio: true) } == .ack(seq: 2))
                    let audio = try Self.rtp(ssrc: alice.media.audioSsrc, payloadType: RTPPayloadType.opus)
                    try await a.send(audio, to: alice.media)
                    #expect(try await b.receive() == audio)
                }
            }
        }
    }

    @Test func tokensDieWithTheSession() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { clients in
                let alice = try await clients[0].enter("alice", video: true)
                let bob = try await clients[1].enter("bob", video: true)
                try await withUDPSockets(3) { sockets in
                    let (a, b, a2) = (sockets[0], sockets[1], sockets[2])
                    try await a.bind(alice.media)
                    try await b.bind(bob.media)
                    let before = try Self.rtp(ssrc: alice.media.videoSsrc, sequence: 1)
                    try await a.send(before, to: alice.media)
                    #expect(try await b.receive() == before)

                    // Alice enters again from another client: the first session, its token and address are gone.
                    let alice2 = try await clients[2].enter("alice", video: true)
                    try await a.send(try Self.rtp(ssrc: alice.media.videoSsrc, sequence: 2), to: alice.media)
                    try await a.expectNoBindAnswer {
                        try await a.send(UDPTestSocket.bindDatagram(token: alice.media.token), to: alice.media)
                    }
                    try await b.expectNothing()
                    try await a.expectNothing(for: .zero)
                    #expect(try await server.metric(#"trtc_media_dropped_total{reason="unbound"}"#) == 1)
                    #expect(try await server.metric(#"trtc_media_dropped_total{reason="bad-token"}"#) == 1)
                    try await a2.bind(alice2.media)
                    let fresh = try Self.rtp(ssrc: alice2.media.videoSsrc, sequence: 3)
                    try await a2.send(fresh, to: alice2.media)
                    #expect(try await b.receive() == fresh)

                    // Alice leaves: her address is no longer accepted, and bob's packets no longer reach it.
                    #expect(try await clients[2].request { .leave(seq: $0) } == .ack(seq: 2))
                    try await a2.send(try Self.rtp(ssrc: alice2.media.videoSsrc, sequence: 4), to: alice2.media)
                    try await b.send(try Self.rtp(ssrc: bob.media.videoSsrc), to: bob.media)
                    try await b.expectNothing()
                    try await a2.expectNothing(for: .zero)
                    #expect(try await server.metric(#"trtc_media_dropped_total{reason="unbound"}"#) == 2)
                }
            }
        }
    }

    @Test func serverRemovalsRevokeTokens() async throws {
        try await withTestServer(departureTimeout: .seconds(1)) { server in
            try await withClients(3, server) { clients in
                try await withUDPSockets(3) { sockets in
                    let (s, r, w) = (sockets[0], sockets[1], sockets[2])
                    // Bound at once: it must be bound before its departure timeout runs out.
                    let silent = try await clients[0].enter("silent", room: .numeric(5), video: true, heartbeat: false)
                    try await s.bind(silent.media)
                    let removed = try await clients[1].enter("removed", room: .numeric(5), video: true)
                    let watcher = try await clients[2].enter("watcher", room: .numeric(5))
                    try await r.bind(removed.media)
                    try await w.bind(watcher.media)
                    let fromRemoved = try Self.rtp(ssrc: removed.media.videoSsrc)
                    try await r.send(fromRemoved, to: removed.media)
                    #expect(try await w.receive() == fromRemoved)

                    let app = JSONValue.integer(Int64(TestServer.sdkAppId))
                    let removal = try await server.api.call("RemoveUser", .object([
                        "SdkAppId": app, "RoomId": .integer(5), "UserIds": .array([.string("removed")])]))
                    #expect(removal.isSuccess)
                    try await clients[1].waitClosed()
                    try await r.send(try Self.rtp(ssrc: removed.media.videoSsrc, sequence: 2), to: removed.media)

                    // The silent member times out; its address goes with it.
                    try await clients[0].waitClosed(timeout: .seconds(4))
                    try await s.send(try Self.rtp(ssrc: silent.media.videoSsrc), to: silent.media)
                    try await w.expectNothing()
                    #expect(try await server.metric(#"trtc_media_dropped_total{reason="unbound"}"#) == 2)
                    #expect(try await server.metric("trtc_media_bound_sessions") == 1)
                }
            }
        }
    }

    @Test func mirrorGetsEveryAcceptedRTP() async throws {
        try await withUDPSockets(3) { sockets in
            let (a, b, mirror) = (sockets[0], sockets[1], sockets[2])
            try await withTestServer(mirror: HostPort(host: "127.0.0.1", port: mirror.port)) { server in
                try await withClients(2, server) { clients in
                    let alice = try await clients[0].enter("alice", video: true)
                    let bob = try await clients[1].enter("bob")
                    try await a.bind(alice.media)
                    try await b.bind(bob.media)
                    let video = try Self.rtp(ssrc: alice.media.videoSsrc)
                    try await a.send(video, to: alice.media)
                    #expect(try await b.receive() == video)
                    #expect(try await mirror.receive() == video)
                    // Neither RTCP nor rejected packets are mirrored.
                    try await b.send(try Self.receiverReport(ssrc: bob.media.audioSsrc), to: bob.media)
                    _ = try await a.receive()
                    try await b.send(try Self.rtp(ssrc: bob.media.videoSsrc), to: bob.media)
                    try await mirror.expectNothing()
                }
            }
        }
    }
}
