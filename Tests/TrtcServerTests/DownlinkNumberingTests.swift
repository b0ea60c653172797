import Testing
import TrtcRTP

/// Issue 14 §3 over real sockets: the server numbers what it sends each receiver with its own transport-wide sequence
/// numbers (over the publisher's, one counter per receiver, retransmissions included), takes the receiver's transport
/// feedback about them, and tells the receiver its downlink estimate (RTCP APP `TRDL`).
@Suite struct DownlinkNumberingTests {
    @Test func eachReceiverGetsItsOwnNumbersAndHearsItsEstimate() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { clients in
                let alice = try await clients[0].enter("alice", video: true, audio: true)
                let bob = try await clients[1].enter("bob")
                let carol = try await clients[2].enter("carol")
                try await withUDPSockets(3) { sockets in
                    let (a, b, c) = (sockets[0], sockets[1], sockets[2])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    // Alice's packets carry her own number (9000 on): every receiver gets the server's instead.
                    var sent: [[UInt8]] = []
                    for sequence: UInt16 in 1...6 {
                        let ssrc = sequence % 3 == 0 ? alice.media.audioSsrc : alice.media.videoSsrc
                        let plain = try MediaForwardingTests.rtp(ssrc: ssrc, sequence: sequence)
                        let numbered = try #require(TransportWideSequenceNumber.adding(9000 + sequence, to: plain))
                        sent.append(numbered)
                        try await a.send(numbered, to: alice.media)
                    }
                    var received: [[UInt8]] = []
                    for _ in sent { received.append(try await b.receive()) }
                    let numbers = b.takeTransportNumbers()
                    #expect(numbers == Array(0..<6), "bob's own numbers, consecutive over audio and video: \(numbers)")
                    // Only the number changed (the test socket takes a block holding just the server's number off):
                    // the rest is as alice sent it.
                    for (got, original) in zip(received, sent) {
                        var plain = original
                        plain[0] &= ~0x10
                        plain.removeSubrange(12..<20)
                        #expect(got == plain)
                    }
                    // Carol, connected later, has her own count: a packet she asks for (from the server's cache) carries her
                    // first number, the next packet her second and bob's seventh.
                    try await c.connect(carol.media)
                    try await c.send(RTCPGenericNACK(senderSSRC: carol.media.videoSsrc, mediaSSRC: alice.media.videoSsrc,
                                                     sequenceNumbers: [2]).serialized(), to: carol.media)
                    #expect(try await c.receive() == received[1], "the cached packet, as bob got it")
                    #expect(c.takeTransportNumbers() == [0])
                    try await a.send(try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: 7), to: alice.media)
                    _ = try await c.receive()
                    _ = try await b.receive()
                    #expect(c.takeTransportNumbers() == [1] && b.takeTransportNumbers() == [6])

                    // Bob's feedback about what he got: the server's estimator takes it and says what it concluded.
                    var generator = TransportFeedbackGenerator()
                    for number: UInt16 in 0...7 { generator.record(number, arrival: .milliseconds(100 + 2 * Int(number))) }
                    for feedback in generator.tick(now: .milliseconds(200), senderSSRC: bob.media.videoSsrc, mediaSSRC: 0) {
                        try await b.send(feedback.serialized(), to: bob.media)
                    }
                    let report = try #require(RTCPDownlinkReport(try RTCPPacket.parseCompound(try await b.receive()).first!))
                    #expect(report.senderSSRC == 0 && (2000...3000).contains(report.estimateKbps), "\(report)")
                    #expect(report.streams.isEmpty, "alice's video has no temporal layers")
                    #expect(try await server.metric("trtc_media_downlink_transport_feedback_total") == 1)
                    // Feedback under another member's SSRC is dropped.
                    let before = try await MediaForwardingTests.dropped(server, "bad-ssrc")
                    var other = TransportFeedbackGenerator()
                    other.record(1, arrival: .zero)
                    let forged = try #require(other.tick(now: .zero, senderSSRC: alice.media.videoSsrc, mediaSSRC: 0).first)
                    try await b.send(forged.serialized(), to: bob.media)
                    try await Task.sleep(for: .milliseconds(200))
                    #expect(try await MediaForwardingTests.dropped(server, "bad-ssrc") == before + 1)
                    #expect(try await server.metric("trtc_media_downlink_transport_feedback_total") == 1)
                }
            }
        }
    }
}
