import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting
import TrtcRTP
import TrtcServer
import TrtcTransport

/// The SFU over real sockets and the real transport: signaling hands out credentials, fingerprints and SSRCs; test
/// sockets run ICE checks, DTLS and SRTP against the server; packets flow hop by hop.
@Suite struct MediaForwardingTests {
    static func rtp(ssrc: UInt32, sequence: UInt16 = 1, payloadType: UInt8 = RTPPayloadType.vp8, payload: [UInt8] = Array(0..<100)) throws -> [UInt8] {
        try RTPPacket(payloadType: payloadType, marker: true, sequenceNumber: sequence, timestamp: 90_000, ssrc: ssrc,
                      payload: payload).serialized()
    }

    /// A receiver report from `ssrc`, with a block about each of `about` (the SFU passes a block to its stream's publisher).
    static func receiverReport(ssrc: UInt32, about: [UInt32] = []) throws -> [UInt8] {
        let blocks = about.map { RTCPReportBlock(ssrc: $0, fractionLost: 3, cumulativeLost: 7, extendedHighestSequenceNumber: 100) }
        return RTCPPacket.serializeCompound([.receiverReport(try RTCPReceiverReport(ssrc: ssrc, reportBlocks: blocks))])
    }

    static func dropped(_ server: TestServer, _ reason: String) async throws -> Int {
        try await server.metric(#"trtc_media_dropped_total{reason="\#(reason)"}"#)
    }

    @Test func forwardsDecryptedAndReencryptedToTheRoom() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { clients in
                let alice = try await clients[0].enter("alice", video: true, audio: true)
                let bob = try await clients[1].enter("bob")
                _ = try await clients[0].next()  // userEnter bob
                let carol = try await clients[2].enter("carol", room: .numeric(2), video: true)
                #expect(alice.media.port != 0 && alice.media.port == bob.media.port)
                #expect(alice.media.host.isEmpty, "no announced host: clients use the signaling host")
                #expect(Set([alice.media.audioSsrc, alice.media.videoSsrc, bob.media.audioSsrc, bob.media.videoSsrc]).count == 4)
                #expect(alice.media.ufrag != bob.media.ufrag && alice.media.password != bob.media.password)
                #expect(alice.media.fingerprint == bob.media.fingerprint && CertificateFingerprint(alice.media.fingerprint) != nil)

                try await withUDPSockets(3) { sockets in
                    let (a, b, c) = (sockets[0], sockets[1], sockets[2])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    try await c.connect(carol.media)
                    #expect(try await server.metric("trtc_media_bound_sessions") == 3)
                    #expect(try await server.metric("trtc_media_dtls_handshakes_total") == 3)

                    let video = try Self.rtp(ssrc: alice.media.videoSsrc)
                    try await a.send(video, to: alice.media)
                    #expect(try await b.receive() == video)
                    let audio = try Self.rtp(ssrc: alice.media.audioSsrc, payloadType: RTPPayloadType.opus, payload: [0xF8, 1, 2, 3])
                    try await a.send(audio, to: alice.media)
                    #expect(try await b.receive() == audio)

                    // Bob publishes nothing but reports on what he receives: his report on alice's video goes back to alice.
                    let report = try Self.receiverReport(ssrc: bob.media.videoSsrc, about: [alice.media.videoSsrc])
                    try await b.send(report, to: bob.media)
                    #expect(try await a.receive() == report)

                    // No echo to the sender, nothing into another room.
                    try await a.expectNothing(for: .milliseconds(100))
                    try await c.expectNothing(for: .milliseconds(100))
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
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    // Plain RTP with alice's SSRC from a socket that never passed a check.
                    try await stranger.sendRaw(try Self.rtp(ssrc: alice.media.videoSsrc), to: alice.media)
                    // Plain RTP from alice's own (selected) address: it does not authenticate.
                    try await a.sendRaw(try Self.rtp(ssrc: alice.media.videoSsrc, sequence: 9), to: alice.media)
                    // Alice protects somebody else's SSRC (bob's), and audio she does not publish.
                    try await a.send(try Self.rtp(ssrc: bob.media.videoSsrc), to: alice.media)
                    try await a.send(try Self.rtp(ssrc: alice.media.audioSsrc, payloadType: RTPPayloadType.opus), to: alice.media)
                    // No known first byte.
                    try await a.sendRaw(Array("hello, is this RTP?".utf8), to: alice.media)
                    // Larger than any packet of the protocol.
                    try await a.send(try Self.rtp(ssrc: alice.media.videoSsrc, payload: Array(repeating: 7, count: 1600)), to: alice.media)

                    try await b.expectNothing()
                    try await stranger.expectNothing(for: .zero)
                    for (reason, count) in [("unconsented", 1), ("srtp-authentication", 1), ("bad-ssrc", 1), ("not-publishing", 1),
                                            ("malformed", 1), ("too-large", 1)] {
                        #expect(try await Self.dropped(server, reason) == count, "\(reason)")
                    }

                    // Once alice publishes audio (acked), it flows (a new sequence number: SRTP refuses replays).
                    #expect(try await clients[0].request { .publish(seq: $0, video: nil, audio: true) } == .ack(seq: 2))
                    let audio = try Self.rtp(ssrc: alice.media.audioSsrc, sequence: 2, payloadType: RTPPayloadType.opus)
                    try await a.send(audio, to: alice.media)
                    #expect(try await b.receive() == audio)
                }
            }
        }
    }

    @Test func credentialsAndAddressesDieWithTheSession() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { clients in
                let alice = try await clients[0].enter("alice", video: true)
                let bob = try await clients[1].enter("bob", video: true)
                try await withUDPSockets(3) { sockets in
                    let (a, b, a2) = (sockets[0], sockets[1], sockets[2])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    let before = try Self.rtp(ssrc: alice.media.videoSsrc, sequence: 1)
                    try await a.send(before, to: alice.media)
                    #expect(try await b.receive() == before)

                    // Alice enters again from another client: the first session, its keys and address are gone.
                    let alice2 = try await clients[2].enter("alice", video: true)
                    try await Task.sleep(for: .milliseconds(50))  // the revocation reaches the media loop
                    try await a.send(try Self.rtp(ssrc: alice.media.videoSsrc, sequence: 2), to: alice.media)
                    try await b.expectNothing()
                    #expect(try await Self.dropped(server, "unconsented") == 1)
                    try await a2.connect(alice2.media)
                    let fresh = try Self.rtp(ssrc: alice2.media.videoSsrc, sequence: 3)
                    try await a2.send(fresh, to: alice2.media)
                    #expect(try await b.receive() == fresh)

                    // Alice leaves: her address is no longer accepted, and bob's packets no longer reach it.
                    #expect(try await clients[2].request { .leave(seq: $0) } == .ack(seq: 2))
                    try await Task.sleep(for: .milliseconds(50))
                    try await a2.send(try Self.rtp(ssrc: alice2.media.videoSsrc, sequence: 4), to: alice2.media)
                    try await b.send(try Self.rtp(ssrc: bob.media.videoSsrc), to: bob.media)
                    try await b.expectNothing()
                    try await a2.expectNothing(for: .zero)
                    #expect(try await Self.dropped(server, "unconsented") == 2)
                }
            }
        }
    }

    @Test func serverRemovalsRevokeMediaConnections() async throws {
        try await withTestServer(departureTimeout: .seconds(1)) { server in
            try await withClients(3, server) { clients in
                try await withUDPSockets(3) { sockets in
                    let (s, r, w) = (sockets[0], sockets[1], sockets[2])
                    // Connected at once: it must be connected before its departure timeout runs out.
                    let silent = try await clients[0].enter("silent", room: .numeric(5), video: true, heartbeat: false)
                    try await s.connect(silent.media)
                    let removed = try await clients[1].enter("removed", room: .numeric(5), video: true)
                    let watcher = try await clients[2].enter("watcher", room: .numeric(5))
                    try await r.connect(removed.media)
                    try await w.connect(watcher.media)
                    let fromRemoved = try Self.rtp(ssrc: removed.media.videoSsrc)
                    try await r.send(fromRemoved, to: removed.media)
                    #expect(try await w.receive() == fromRemoved)

                    let app = JSONValue.integer(Int64(TestServer.sdkAppId))
                    let removal = try await server.api.call("RemoveUser", .object([
                        "SdkAppId": app, "RoomId": .integer(5), "UserIds": .array([.string("removed")])]))
                    #expect(removal.isSuccess)
                    try await clients[1].waitClosed()
                    try await Task.sleep(for: .milliseconds(50))
                    try await r.send(try Self.rtp(ssrc: removed.media.videoSsrc, sequence: 2), to: removed.media)

                    // The silent member times out; its address goes with it.
                    try await clients[0].waitClosed(timeout: .seconds(4))
                    try await Task.sleep(for: .milliseconds(50))
                    try await s.send(try Self.rtp(ssrc: silent.media.videoSsrc), to: silent.media)
                    try await w.expectNothing()
                    #expect(try await Self.dropped(server, "unconsented") == 2)
                    #expect(try await server.metric("trtc_media_bound_sessions") == 1)
                }
            }
        }
    }

    @Test func mirrorGetsEveryAcceptedRTPDecrypted() async throws {
        try await withUDPSockets(3) { sockets in
            let (a, b, mirror) = (sockets[0], sockets[1], sockets[2])
            try await withTestServer(mirror: HostPort(host: "127.0.0.1", port: mirror.port)) { server in
                try await withClients(2, server) { clients in
                    let alice = try await clients[0].enter("alice", video: true)
                    let bob = try await clients[1].enter("bob")
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    let video = try Self.rtp(ssrc: alice.media.videoSsrc)
                    try await a.send(video, to: alice.media)
                    #expect(try await b.receive() == video)
                    #expect(try await mirror.receive() == video)
                    // Neither RTCP nor rejected packets are mirrored.
                    try await b.send(try Self.receiverReport(ssrc: bob.media.audioSsrc, about: [alice.media.videoSsrc]), to: bob.media)
                    _ = try await a.receive()
                    try await b.send(try Self.rtp(ssrc: bob.media.videoSsrc), to: bob.media)
                    try await mirror.expectNothing()
                }
            }
        }
    }

    @Test func aSessionWithoutAMediaOfferHasNoMediaConnection() async throws {
        try await withTestServer { server in
            try await withClients(1, server) { clients in
                let quiet = try await clients[0].enter("quiet", media: nil)
                try await withUDPSockets(1) { sockets in
                    await #expect(throws: TestFailure.self) { try await sockets[0].connect(quiet.media, timeout: .milliseconds(500)) }
                    #expect(sockets[0].controlDatagramsReceived == 0)
                    let unknownUfrag = try await Self.dropped(server, "unknown-ufrag")
                    #expect(unknownUfrag > 0)
                }
            }
        }
    }
}

extension MediaForwardingTests {
    @Test func nacksAreAnsweredFromTheCacheOrAskedOfTheSender() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { clients in
                let alice = try await clients[0].enter("alice", video: true)
                let bob = try await clients[1].enter("bob")
                try await withUDPSockets(2) { sockets in
                    let (a, b) = (sockets[0], sockets[1])
                    try await a.connect(alice.media)
                    // Bob's media is not connected yet: these reach only the server (and its cache).
                    var sent: [UInt16: [UInt8]] = [:]
                    for sequence: UInt16 in 1...5 {
                        let packet = try Self.rtp(ssrc: alice.media.videoSsrc, sequence: sequence, payload: Array(repeating: UInt8(sequence), count: 50))
                        sent[sequence] = packet
                        try await a.send(packet, to: alice.media)
                    }
                    try await b.connect(bob.media)
                    let nack = RTCPGenericNACK(senderSSRC: bob.media.videoSsrc, mediaSSRC: alice.media.videoSsrc, sequenceNumbers: [2, 3, 9])
                    try await b.send(nack.serialized(), to: bob.media)
                    // 2 and 3 come from the server's cache, as alice sent them.
                    #expect(Set([try await b.receive(), try await b.receive()]) == Set([sent[2]!, sent[3]!]))
                    // 9 was never sent: alice is asked for it, and for nothing else.
                    let asked = try RTCPPacket.parseCompound(try await a.receive())
                    #expect(asked == [.genericNACK(RTCPGenericNACK(senderSSRC: bob.media.videoSsrc, mediaSSRC: alice.media.videoSsrc, sequenceNumbers: [9]))])
                    let nine = try Self.rtp(ssrc: alice.media.videoSsrc, sequence: 9)
                    try await a.send(nine, to: alice.media)
                    #expect(try await b.receive() == nine)
                    #expect(try await server.metric("trtc_media_retransmissions_total") == 2)
                    #expect(try await server.metric("trtc_media_nacks_forwarded_total") == 1)
                }
            }
        }
    }
}

/// The SFU's RTCP feedback policy: key-frame requests merged per publisher, NACKs bounded by what they name and by
/// the asker's budget.
@Suite struct MediaFeedbackPolicyTests {
    @Test func keyframeRequestsAreMergedAndReachOnlyThePublisher() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { clients in
                let alice = try await clients[0].enter("alice", video: true)
                let bob = try await clients[1].enter("bob")
                let carol = try await clients[2].enter("carol")
                try await withUDPSockets(3) { sockets in
                    let (a, b, c) = (sockets[0], sockets[1], sockets[2])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    try await c.connect(carol.media)
                    // Ten requests within a few milliseconds from two receivers: one key frame is asked of alice.
                    for _ in 0..<5 {
                        try await b.send(RTCPPictureLossIndication(senderSSRC: bob.media.videoSsrc, mediaSSRC: alice.media.videoSsrc).serialized(), to: bob.media)
                        try await c.send(RTCPPictureLossIndication(senderSSRC: carol.media.videoSsrc, mediaSSRC: alice.media.videoSsrc).serialized(), to: carol.media)
                    }
                    let first = try RTCPPacket.parseCompound(try await a.receive())
                    guard case .pictureLossIndication(let pli)? = first.first else { throw TestFailure("not a PLI: \(first)") }
                    #expect(pli.mediaSSRC == alice.media.videoSsrc)
                    try await a.expectNothing(for: .milliseconds(150))
                    // Nobody but the publisher hears about it.
                    try await b.expectNothing(for: .zero)
                    try await c.expectNothing(for: .zero)
                    // 300 ms later the next request goes through.
                    try await Task.sleep(for: .milliseconds(200))
                    try await b.send(RTCPPictureLossIndication(senderSSRC: bob.media.videoSsrc, mediaSSRC: alice.media.videoSsrc).serialized(), to: bob.media)
                    _ = try await a.receive()
                    // A request for a stream nobody in the room sends is dropped.
                    try await b.send(RTCPPictureLossIndication(senderSSRC: bob.media.videoSsrc, mediaSSRC: 0xDEAD_BEEF).serialized(), to: bob.media)
                    try await a.expectNothing(for: .milliseconds(100))
                    #expect(try await server.metric(#"trtc_media_keyframe_requests_total{outcome="forwarded"}"#) == 2)
                    #expect(try await server.metric(#"trtc_media_keyframe_requests_total{outcome="merged"}"#) == 9)
                    #expect(try await server.metric("trtc_media_feedback_unknown_stream_total") == 1)
                }
            }
        }
    }

    @Test func aNACKCostsAtMostThePacketsItNamesWithinTheAskersBudget() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { clients in
                let alice = try await clients[0].enter("alice", video: true)
                let bob = try await clients[1].enter("bob")
                try await withUDPSockets(2) { sockets in
                    let (a, b) = (sockets[0], sockets[1])
                    try await a.connect(alice.media)
                    for sequence: UInt16 in 1...5 {
                        try await a.send(try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: sequence), to: alice.media)
                    }
                    try await b.connect(bob.media)
                    // Repeated numbers cost one packet each; of 300 numbers only the first 100 are considered.
                    try await b.send(RTCPGenericNACK(senderSSRC: bob.media.videoSsrc, mediaSSRC: alice.media.videoSsrc,
                                                     sequenceNumbers: [2, 2, 2, 3, 3]).serialized(), to: bob.media)
                    _ = try await b.receive()
                    _ = try await b.receive()
                    try await b.expectNothing(for: .milliseconds(100))
                    var many = RTCPPacket.serializeCompound([])
                    for chunk in stride(from: 1000, to: 1300, by: 100) {
                        many += RTCPGenericNACK(senderSSRC: bob.media.videoSsrc, mediaSSRC: alice.media.videoSsrc,
                                                sequenceNumbers: (chunk..<chunk + 100).map { UInt16($0) }).serialized()
                    }
                    try await b.send(many, to: bob.media)
                    var askedOfAlice = 0
                    while let datagram = try? await a.receive(timeout: .milliseconds(300)) {
                        for case .genericNACK(let nack) in try RTCPPacket.parseCompound(datagram) { askedOfAlice += nack.sequenceNumbers.count }
                    }
                    #expect(askedOfAlice == 300, "three NACKs of 100 numbers each, none cached: passed on as they are")
                    #expect(try await server.metric("trtc_media_retransmissions_total") == 2)

                    // A flood of NACKs for cached packets: at most the budget (a burst of 400, then 200/s) is sent.
                    let started = ContinuousClock.now
                    let nack = RTCPGenericNACK(senderSSRC: bob.media.videoSsrc, mediaSSRC: alice.media.videoSsrc, sequenceNumbers: [1, 2, 3, 4, 5])
                    for _ in 0..<200 { try await b.send(nack.serialized(), to: bob.media) }
                    try await Task.sleep(for: .milliseconds(200))
                    let elapsed = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
                    let sent = try await server.metric("trtc_media_retransmissions_total") - 2
                    let refused = try await server.metric("trtc_media_retransmissions_refused_total")
                    #expect(sent + refused == 1000, "every named packet either sent or refused")
                    #expect(Double(sent) <= 400 + 200 * elapsed + 1, "sent \(sent) in \(elapsed) s")
                    #expect(refused > 0)
                }
            }
        }
    }
}

/// The SFU's RTCP policy per packet of a compound (security finding H5): a member says only what it may, and what it
/// says reaches only whom it concerns, never the whole room.
@Suite struct MediaReportPolicyTests {
    static func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }

    static func refused(_ server: TestServer, _ reason: String) async throws -> Int {
        try await server.metric(#"trtc_media_rtcp_refused_total{reason="\#(reason)"}"#)
    }

    @Test("receivers' reports reach only the publisher they are about; sender reports only from publishers; foreign SSRCs, other types and broken compounds go nowhere")
    func reportsReachOnlyWhomTheyConcern() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { clients in
                let alice = try await clients[0].enter("alice", video: true, audio: true)
                let bob = try await clients[1].enter("bob")
                let carol = try await clients[2].enter("carol")
                try await withUDPSockets(3) { sockets in
                    let (a, b, c) = (sockets[0], sockets[1], sockets[2])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    try await c.connect(carol.media)
                    func block(_ ssrc: UInt32) -> RTCPReportBlock {
                        RTCPReportBlock(ssrc: ssrc, fractionLost: 5, cumulativeLost: 9, extendedHighestSequenceNumber: 77)
                    }
                    // Bob reports on alice's video and audio (he receives both), on carol's video (she publishes
                    // nothing) and on an SSRC nobody has: alice gets one report with her two blocks, carol nothing.
                    let mixed = try RTCPReceiverReport(ssrc: bob.media.videoSsrc, reportBlocks: [
                        block(alice.media.videoSsrc), block(carol.media.videoSsrc), block(alice.media.audioSsrc), block(0xDEAD_BEEF),
                    ])
                    try await b.send(mixed.serialized(), to: bob.media)
                    let relayed = try RTCPPacket.parseCompound(try await a.receive())
                    #expect(relayed == [.receiverReport(try RTCPReceiverReport(ssrc: bob.media.videoSsrc,
                                                                               reportBlocks: [block(alice.media.videoSsrc), block(alice.media.audioSsrc)]))])
                    #expect(try await Self.refused(server, "not-receiving") == 2)
                    // A sender report from bob, who publishes nothing; a report and a PLI under alice's SSRC; an SDES
                    // and a BYE; a compound whose second packet is cut short: none of it reaches anybody.
                    let bogusSR = try RTCPSenderReport(ssrc: bob.media.videoSsrc, ntpTimestamp: NTPTimestamp(seconds: 1, fraction: 0),
                                                       rtpTimestamp: 0, packetCount: 1, octetCount: 1)
                    try await b.send(bogusSR.serialized(), to: bob.media)
                    try await b.send(RTCPPacket.serializeCompound([
                        .receiverReport(try RTCPReceiverReport(ssrc: bob.media.audioSsrc, reportBlocks: [])),
                        .receiverReport(try RTCPReceiverReport(ssrc: alice.media.videoSsrc, reportBlocks: [block(alice.media.audioSsrc)])),
                        .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: alice.media.audioSsrc, mediaSSRC: alice.media.videoSsrc)),
                        .other(packetType: 202, count: 1, body: Self.bigEndian(bob.media.videoSsrc) + [1, 1, 0x61, 0]),
                        .other(packetType: 203, count: 1, body: Self.bigEndian(bob.media.videoSsrc)),
                    ]), to: bob.media)
                    var truncated = try MediaForwardingTests.receiverReport(ssrc: bob.media.videoSsrc, about: [alice.media.videoSsrc])
                    truncated += [0x81, 201, 0, 7, 1, 2, 3, 4]
                    try await b.send(truncated, to: bob.media)
                    try await a.expectNothing(for: .milliseconds(200))
                    try await c.expectNothing(for: .zero)
                    #expect(try await Self.refused(server, "not-publishing") == 1)
                    #expect(try await Self.refused(server, "foreign-ssrc") == 2)
                    #expect(try await Self.refused(server, "not-relayed") == 2)
                    #expect(try await MediaForwardingTests.dropped(server, "malformed") == 1)
                    // Alice's sender report reaches both receivers, without the report block she put in it (about
                    // bob's video, which he does not publish: refused).
                    let sr = try RTCPSenderReport(ssrc: alice.media.videoSsrc, ntpTimestamp: NTPTimestamp(seconds: 9, fraction: 0),
                                                  rtpTimestamp: 90, packetCount: 5, octetCount: 500, reportBlocks: [block(bob.media.videoSsrc)])
                    try await a.send(sr.serialized(), to: alice.media)
                    let bare = try RTCPSenderReport(ssrc: alice.media.videoSsrc, ntpTimestamp: NTPTimestamp(seconds: 9, fraction: 0),
                                                    rtpTimestamp: 90, packetCount: 5, octetCount: 500)
                    #expect(try RTCPPacket.parseCompound(try await b.receive()) == [.senderReport(bare)])
                    #expect(try RTCPPacket.parseCompound(try await c.receive()) == [.senderReport(bare)])
                    #expect(try await Self.refused(server, "not-receiving") == 3)
                }
            }
        }
    }
}

/// Per-member media rate limits at the SFU (security finding H5): authentic packets beyond a member's packets, bits
/// or RTCP per second are dropped and counted, and only that member's.
@Suite struct MemberMediaRateLimitTests {
    static func limited(_ configuration: inout ServerConfiguration) {
        configuration.memberMediaLimits = MemberMediaLimits(rtpPacketsPerSecond: 50, rtpBitsPerSecond: 400_000,
                                                            rtcpPacketsPerSecond: 10)
    }

    /// Everything `socket` receives until it has been quiet for 300 ms.
    static func drain(_ socket: UDPTestSocket) async -> [[UInt8]] {
        var received: [[UInt8]] = []
        while let datagram = try? await socket.receive(timeout: .milliseconds(300)) { received.append(datagram) }
        return received
    }

    @Test func aFloodingMemberIsCutToItsRatesAndTheOthersAreNot() async throws {
        try await withTestServer(configure: Self.limited) { server in
            try await withClients(2, server) { clients in
                let alice = try await clients[0].enter("alice", video: true)
                let bob = try await clients[1].enter("bob", video: true)
                _ = try await clients[0].next()  // userEnter bob
                try await withUDPSockets(2) { sockets in
                    let (a, b) = (sockets[0], sockets[1])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)

                    // 300 small packets at once: the burst (100 packets) passes, the rest is refused.
                    let started = ContinuousClock.now
                    for sequence in 1...300 {
                        try await a.send(try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: UInt16(sequence)), to: alice.media)
                    }
                    let elapsed = Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000
                    let packets = await Self.drain(b).count
                    #expect(packets >= 100 && Double(packets) <= 100 + 50 * (elapsed + 0.3) + 1, "forwarded \(packets) of 300 in \(elapsed) s")
                    let refused = try await MediaForwardingTests.dropped(server, "rate-limited")
                    #expect(packets + refused == 300, "every packet forwarded or counted")

                    // Bob's own stream is his budget, not alice's: all of it arrives.
                    for sequence in 1...20 {
                        try await b.send(try MediaForwardingTests.rtp(ssrc: bob.media.videoSsrc, sequence: UInt16(sequence)), to: bob.media)
                    }
                    #expect(await Self.drain(a).count == 20)

                    // Bits: 1,000-byte packets against 400 kbit/s (a burst of 100 kB): about 100 pass of 200, after the
                    // packet budget refilled.
                    try await Task.sleep(for: .seconds(2.2))
                    let bitsStarted = ContinuousClock.now
                    for sequence in 301...400 {
                        try await a.send(try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: UInt16(sequence),
                                                                      payload: Array(repeating: 9, count: 1000)), to: alice.media)
                    }
                    let bitsElapsed = Double((ContinuousClock.now - bitsStarted) / .milliseconds(1)) / 1000
                    let large = await Self.drain(b).count
                    let allowedBytes = 100_000 + 50_000 * (bitsElapsed + 0.3)
                    #expect(large >= 50 && Double(large) * 1012 <= allowedBytes + 1012 * 2, "forwarded \(large) of 100 large packets in \(bitsElapsed) s")

                    // RTCP: 60 receiver reports at once, a burst of 20 passes.
                    for _ in 0..<60 {
                        try await b.send(try MediaForwardingTests.receiverReport(ssrc: bob.media.videoSsrc, about: [alice.media.videoSsrc]), to: bob.media)
                    }
                    try await Task.sleep(for: .seconds(0.1))
                    let reports = await Self.drain(a).count
                    #expect(reports >= 20 && reports <= 25, "forwarded \(reports) of 60 reports")
                }
            }
        }
    }
}
