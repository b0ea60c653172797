import Testing
import TrtcHarness
import TrtcRTP

/// Issue 14 §3 over real sockets: the server writes its own transport-wide sequence numbers, one counter per receiver,
/// over the publisher's in every RTP packet it sends a receiver (retransmissions from its cache too), never adding
/// the extension to a packet without it, and takes the receiver's transport-wide feedback about them
/// (`DownlinkEstimate`).
@Suite struct DownlinkNumberingTests {
    /// `packet` with the transport-wide number's two bytes zeroed: what must be unchanged by the server.
    static func withoutNumber(_ packet: [UInt8]) -> [UInt8] {
        var copy = packet
        copy.withUnsafeMutableBytes { _ = TransportWideSequenceNumber.overwrite(0, in: $0) }
        return copy
    }

    @Test func eachReceiverGetsItsOwnNumbersOverThePublishers() async throws {
        try await withTestServer { server in
            try await withClients(3, server) { clients in
                let alice = try await clients[0].enter("alice", video: true, audio: true)
                let bob = try await clients[1].enter("bob")
                let carol = try await clients[2].enter("carol")
                try await withUDPSockets(3) { sockets in
                    let (a, b, c) = (sockets[0], sockets[1], sockets[2])
                    try await a.connect(alice.media)
                    try await b.connect(bob.media)
                    // Alice's packets carry her own numbers (9001 on): bob gets his, consecutive over audio and video.
                    var sent: [[UInt8]] = []
                    var received: [[UInt8]] = []
                    for sequence: UInt16 in 1...6 {
                        let ssrc = sequence % 3 == 0 ? alice.media.audioSsrc : alice.media.videoSsrc
                        let plain = try MediaForwardingTests.rtp(ssrc: ssrc, sequence: sequence)
                        let numbered = try #require(TransportWideSequenceNumber.adding(9000 + sequence, to: plain))
                        sent.append(numbered)
                        try await a.send(numbered, to: alice.media)
                        received.append(try await b.receive())
                    }
                    #expect(received.map { TransportWideSequenceNumber.read(from: $0) } == (0..<6).map { UInt16($0) })
                    #expect(received.map(Self.withoutNumber) == sent.map(Self.withoutNumber), "only the number changed")

                    // A packet without the extension is passed as it is and takes no number.
                    let bare = try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: 7)
                    try await a.send(bare, to: alice.media)
                    #expect(try await b.receive() == bare)

                    // Carol, connected later, counts from 0: a packet she asks for (from the server's cache) carries
                    // her first number, the next packet her second and bob's seventh.
                    try await c.connect(carol.media)
                    try await c.send(RTCPGenericNACK(senderSSRC: carol.media.videoSsrc, mediaSSRC: alice.media.videoSsrc,
                                                     sequenceNumbers: [2]).serialized(), to: carol.media)
                    let resent = try await c.receive()
                    #expect(TransportWideSequenceNumber.read(from: resent) == 0)
                    #expect(Self.withoutNumber(resent) == Self.withoutNumber(sent[1]), "the cached packet, as alice sent it")
                    let next = try #require(TransportWideSequenceNumber.adding(9008, to: try MediaForwardingTests.rtp(ssrc: alice.media.videoSsrc, sequence: 8)))
                    try await a.send(next, to: alice.media)
                    #expect(TransportWideSequenceNumber.read(from: try await c.receive()) == 1)
                    #expect(TransportWideSequenceNumber.read(from: try await b.receive()) == 6)

                    // Bob's feedback about what he got feeds his downlink estimate, whatever media SSRC it names.
                    var generator = TransportFeedbackGenerator()
                    for number: UInt16 in 0...6 { generator.record(number, arrival: .milliseconds(100 + 2 * Int(number))) }
                    for feedback in generator.tick(now: .milliseconds(200), senderSSRC: bob.media.videoSsrc, mediaSSRC: 0) {
                        try await b.send(feedback.serialized(), to: bob.media)
                    }
                    try await waitUntil("bob's feedback is taken") {
                        try await server.metric("trtc_media_downlink_transport_feedback_total") == 1
                    }
                    // Feedback under another member's SSRC is refused before anything reads it.
                    let before = try await MediaForwardingTests.dropped(server, "bad-ssrc")
                    var other = TransportFeedbackGenerator()
                    other.record(1, arrival: .zero)
                    let forged = try #require(other.tick(now: .zero, senderSSRC: alice.media.videoSsrc, mediaSSRC: 0).first)
                    try await b.send(forged.serialized(), to: bob.media)
                    try await waitUntil("the forged feedback is dropped") {
                        try await MediaForwardingTests.dropped(server, "bad-ssrc") == before + 1
                    }
                    #expect(try await server.metric("trtc_media_downlink_transport_feedback_total") == 1)
                    // One naming 8191 packets (a single run-length chunk) is refused before the estimator reads it.
                    let huge = try RTCPTransportFeedback(senderSSRC: bob.media.videoSsrc, mediaSSRC: 0, baseSequenceNumber: 100,
                                                     referenceTime: 0, feedbackPacketCount: 1,
                                                     receiveDeltas: [Int16?](repeating: nil, count: 8191))
                    try await b.send(huge.serialized(), to: bob.media)
                    try await waitUntil("the long feedback is refused") {
                        try await MediaReportPolicyTests.refused(server, "too-many-statuses") == 1
                    }
                    #expect(try await server.metric("trtc_media_downlink_transport_feedback_total") == 1)
                }
            }
        }
    }
}
