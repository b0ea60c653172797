import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcHarnessTesting
import TrtcRTP
import TrtcServer

/// What an attacker on or off the path can do to the media socket: inject, replay, reflect, steal a session.
@Suite struct MediaTransportSecurityTests {
    @Test("replayed SRTP and garbage after the handshake are dropped and counted; the call goes on")
    func replayAndGarbage() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { clients in
                let alice = try await clients[0].enter("alice", video: true)
                let bob = try await clients[1].enter("bob")
                try await withUDPSockets(3) { sockets in
                    let (a, b, mallory) = (sockets[0], sockets[1], sockets[2])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    let first = try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: 1)
                    let captured = try #require(a.protect(first))
                    try await a.sendRaw(captured, to: alice.media)
                    #expect(try await b.receive() == first)
                    // The same ciphertext again, from alice's address (an on-path replay) and from elsewhere.
                    try await a.sendRaw(captured, to: alice.media)
                    try await mallory.sendRaw(captured, to: alice.media)
                    // A flipped bit in an otherwise fresh packet, and random bytes that look like RTP.
                    var tampered = try #require(a.protect(try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: 2)))
                    tampered[tampered.count - 20] ^= 0x01
                    try await a.sendRaw(tampered, to: alice.media)
                    try await a.sendRaw([0x80, 96] + (0..<200).map { _ in UInt8.random(in: 0...255) }, to: alice.media)
                    try await b.expectNothing()
                    #expect(try await MediaForwardingTests.dropped(server, "srtp-replay") == 1)
                    #expect(try await MediaForwardingTests.dropped(server, "srtp-authentication") == 2)
                    #expect(try await MediaForwardingTests.dropped(server, "unconsented") == 1)
                    // The call goes on.
                    let next = try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: 3)
                    try await a.send(next, to: alice.media)
                    #expect(try await b.receive() == next)
                }
            }
        }
    }

    @Test("an address that never passed a check gets no answer and no media: amplification 0 ≤ 1")
    func noReflection() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { clients in
                let alice = try await clients[0].enter("alice", video: true)
                let bob = try await clients[1].enter("bob")
                try await withUDPSockets(3) { sockets in
                    let (a, b, victim) = (sockets[0], sockets[1], sockets[2])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    // What an attacker can send "from" the victim: a check with a wrong password, a captured valid
                    // check of another connection of alice's (replayed), a check for an unknown ufrag, a DTLS
                    // ClientHello-like record, and plain RTP.
                    var sent: [[UInt8]] = []
                    sent.append(try UDPTestSocket.firstCheck(alice.media, password: String(repeating: "x", count: 24)))
                    let capturedCheck = try UDPTestSocket.firstCheck(alice.media)
                    try await a.sendRaw(capturedCheck, to: alice.media)  // seen once from alice's address
                    sent.append(capturedCheck)
                    var unknown = capturedCheck
                    unknown[24] ^= 0x20  // a letter of the server ufrag changes case
                    sent.append(unknown)
                    sent.append([22, 0xFE, 0xFD] + [UInt8](repeating: 0, count: 10) + [0, 100] + [UInt8](repeating: 1, count: 100))
                    sent.append(try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc))
                    for datagram in sent { try await victim.sendRaw(datagram, to: alice.media) }
                    // Media keeps flowing in the room meanwhile: none of it may reach the victim.
                    let video = try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: 5)
                    try await a.send(video, to: alice.media)
                    #expect(try await b.receive() == video)
                    try await Task.sleep(for: .milliseconds(300))
                    let bytesIn = sent.reduce(0) { $0 + $1.count }
                    let amplification = Double(victim.bytesReceived) / Double(bytesIn)
                    #expect(victim.bytesReceived == 0, "amplification \(amplification) (\(victim.bytesReceived) bytes back for \(bytesIn))")
                    #expect(try await MediaForwardingTests.dropped(server, "bad-integrity") == 1)
                    #expect(try await MediaForwardingTests.dropped(server, "replayed-check") == 1)
                    #expect(try await MediaForwardingTests.dropped(server, "unknown-ufrag") == 1)
                    #expect(try await MediaForwardingTests.dropped(server, "unconsented") == 2)
                    // Alice's session was not moved to the victim by the replayed check: bob's report on her video still reaches her.
                    let report = try MediaForwardingTests.receiverReport(ssrc: bob.media.videoSsrc, about: [alice.media.videoSsrc])
                    try await b.send(report, to: bob.media)
                    #expect(try await a.receive() == report)
                    #expect(victim.bytesReceived == 0)
                }
            }
        }
    }

    @Test("a client that moves to a new address keeps its call without entering again")
    func movedClientContinues() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { clients in
                let alice = try await clients[0].enter("alice", video: true)
                let bob = try await clients[1].enter("bob")
                try await withUDPSockets(3) { sockets in
                    let (a, b, moved) = (sockets[0], sockets[1], sockets[2])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    let before = try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: 1)
                    try await a.send(before, to: alice.media)
                    #expect(try await b.receive() == before)
                    // Same connection (keys, credentials), new socket: its next consent check selects the new address.
                    moved.takeConnection(from: a)
                    let deadline = ContinuousClock.now + .seconds(5)
                    while try await server.metric("trtc_media_checks_answered_total") < 3, ContinuousClock.now < deadline {
                        try await moved.refreshConsent(alice.media)
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    let after = try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: 2)
                    try await moved.send(after, to: alice.media)
                    #expect(try await b.receive() == after)
                    // Bob's report on her video now reaches alice at the new address, and the old address is no longer hers.
                    let report = try MediaForwardingTests.receiverReport(ssrc: bob.media.videoSsrc, about: [alice.media.videoSsrc])
                    try await b.send(report, to: bob.media)
                    #expect(try await moved.receive() == report)
                    try await a.expectNothing(for: .zero)
                    #expect(try await server.metric("trtc_media_dtls_handshakes_total") == 2, "no new handshake")
                }
            }
        }
    }

    @Test("a member whose checks stop gets no media 30 s after its last check; checks bring it back")
    func consentExpires() async throws {
        try await withTestServer(departureTimeout: .seconds(60)) { server in
            try await withClients(2, server) { clients in
                let alice = try await clients[0].enter("alice", video: true)
                let bob = try await clients[1].enter("bob")
                try await withUDPSockets(2) { sockets in
                    let (a, b) = (sockets[0], sockets[1])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    let lastCheck = ContinuousClock.now
                    // Bob stops checking (never polls again); alice keeps checking and sending.
                    var sequence: UInt16 = 0
                    var lastReceived = lastCheck
                    while ContinuousClock.now < lastCheck + .seconds(34) {
                        sequence &+= 1
                        try await a.refreshConsent(alice.media)
                        try await a.send(try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: sequence), to: alice.media)
                        if (try? await b.receive(timeout: .milliseconds(500))) != nil { lastReceived = .now }
                    }
                    let silentFor = lastReceived - lastCheck
                    #expect(silentFor >= .seconds(28) && silentFor <= .seconds(31), "bob received media until \(silentFor) after his last check")
                    #expect(try await MediaForwardingTests.dropped(server, "consent-expired") > 0)
                    // A check again, and media flows again.
                    try await b.refreshConsent(bob.media)
                    try await Task.sleep(for: .milliseconds(100))
                    let again = try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: sequence &+ 1)
                    try await a.send(again, to: alice.media)
                    #expect(try await b.receive() == again)
                }
            }
        }
    }
}
