import Testing
import TrtcTransport

/// ClientMediaConnection against ServerMediaConnection in memory, with the real OpenSSL and libsrtp2.
@Suite struct MediaConnectionTests {
    static func expectError(_ kind: TransportError.Kind, _ comment: Comment, _ body: () throws(TransportError) -> Void) {
        do throws(TransportError) {
            try body()
            Issue.record("no error: \(comment)")
        } catch {
            #expect(error.kind == kind, comment)
        }
    }

    @Test(arguments: SRTPProfile.allCases)
    func handshakeThenSRTPAndSRTCPRoundTripBothWays(profile: SRTPProfile) throws {
        let link = try MediaLink(clientProfiles: [profile])
        let clock = ContinuousClock()
        let started = clock.now
        link.connect()
        let elapsed = clock.now - started
        print("in-memory ICE + DTLS handshake (\(profile.rawValue)): \(elapsed)")

        #expect(link.server.selectedAddress == link.clientAddress)
        #expect(link.serverEvents == [.connected(profile)])
        #expect(link.clientEvents == [.connected(profile)])
        #expect(link.client.state == .secure)
        #expect(link.server.isSecure && link.client.isSecure)
        #expect(link.server.srtpProfile == profile && link.client.srtpProfile == profile)
        #expect(link.serverDrops.isEmpty)
        #expect(!link.answerSizes.isEmpty)
        for (request, answer) in link.answerSizes { #expect(answer <= request, "no amplification") }
        #expect(link.largestDTLSDatagram <= 1200, "DTLS datagrams fit the 1200-byte MTU")

        for sequenceNumber in UInt16(1)...3 {
            // Client → server RTP.
            var packet = TestPacket.rtp(sequenceNumber: sequenceNumber)
            let plain = packet.bytes
            try packet.apply(link.client.protectRTP)
            #expect(packet.length == plain.count + profile.rtpOverhead)
            #expect(packet.bytes[12...] != plain[12...], "payload encrypted")
            try packet.apply { pointer, length, _ throws(TransportError) in try link.server.unprotectRTP(pointer, length: length) }
            #expect(packet.bytes == plain)

            // Server → client RTP.
            var back = TestPacket.rtp(sequenceNumber: sequenceNumber, ssrc: 0xdead_beef)
            let backPlain = back.bytes
            try back.apply(link.server.protectRTP)
            try back.apply { pointer, length, _ throws(TransportError) in try link.client.unprotectRTP(pointer, length: length) }
            #expect(back.bytes == backPlain)

            // RTCP both ways.
            var report = TestPacket.senderReport(packetCount: UInt8(sequenceNumber))
            let reportPlain = report.bytes
            try report.apply(link.client.protectRTCP)
            #expect(report.length == reportPlain.count + profile.rtcpOverhead)
            try report.apply { pointer, length, _ throws(TransportError) in try link.server.unprotectRTCP(pointer, length: length) }
            #expect(report.bytes == reportPlain)
            var backReport = TestPacket.senderReport(ssrc: 0xdead_beef, packetCount: UInt8(sequenceNumber))
            let backReportPlain = backReport.bytes
            try backReport.apply(link.server.protectRTCP)
            try backReport.apply { pointer, length, _ throws(TransportError) in try link.client.unprotectRTCP(pointer, length: length) }
            #expect(backReport.bytes == backReportPlain)
        }
        #expect(profile.rtcpOverhead <= ServerMediaConnection.maxProtectionOverhead)
        #expect(profile.rtpOverhead <= ClientMediaConnection.maxProtectionOverhead)
    }

    @Test func replayedAndAlteredSRTPAreRejected() throws {
        let link = try MediaLink()
        link.connect()
        try #require(link.server.isSecure)

        var packet = TestPacket.rtp(sequenceNumber: 7)
        try packet.apply(link.client.protectRTP)
        var replay = packet
        var altered = TestPacket.rtp(sequenceNumber: 8)
        try altered.apply(link.client.protectRTP)
        altered.buffer[40] ^= 0x01
        try packet.apply { pointer, length, _ throws(TransportError) in try link.server.unprotectRTP(pointer, length: length) }
        Self.expectError(.srtpReplay, "the same SRTP packet twice") {
            () throws(TransportError) in
            try replay.apply { pointer, length, _ throws(TransportError) in try link.server.unprotectRTP(pointer, length: length) }
        }
        Self.expectError(.srtpAuthentication, "one bit flipped in the payload") {
            () throws(TransportError) in
            try altered.apply { pointer, length, _ throws(TransportError) in try link.server.unprotectRTP(pointer, length: length) }
        }

        var report = TestPacket.senderReport()
        try report.apply(link.server.protectRTCP)
        var reportReplay = report
        try report.apply { pointer, length, _ throws(TransportError) in try link.client.unprotectRTCP(pointer, length: length) }
        Self.expectError(.srtpReplay, "the same SRTCP packet twice") {
            () throws(TransportError) in
            try reportReplay.apply { pointer, length, _ throws(TransportError) in try link.client.unprotectRTCP(pointer, length: length) }
        }
        var alteredReport = TestPacket.senderReport(packetCount: 9)
        try alteredReport.apply(link.server.protectRTCP)
        alteredReport.buffer[10] ^= 0x80
        Self.expectError(.srtpAuthentication, "one bit flipped in an SRTCP packet") {
            () throws(TransportError) in
            try alteredReport.apply { pointer, length, _ throws(TransportError) in try link.client.unprotectRTCP(pointer, length: length) }
        }
        // Plain RTP from someone without the keys.
        var forged = TestPacket.rtp(sequenceNumber: 9, payloadLength: 100)
        forged.length += 16
        Self.expectError(.srtpAuthentication, "unprotected RTP") {
            () throws(TransportError) in
            try forged.apply { pointer, length, _ throws(TransportError) in try link.server.unprotectRTP(pointer, length: length) }
        }
        // No room for the tag.
        var full = TestPacket.rtp(sequenceNumber: 10)
        Self.expectError(.noRoom, "capacity without the trailer") {
            () throws(TransportError) in
            try full.apply { pointer, length, _ throws(TransportError) in try link.client.protectRTP(pointer, length: length, capacity: length + 5) }
        }
        // Retransmission of an already protected sequence number is allowed on the sending side (NACK history).
        var first = TestPacket.rtp(sequenceNumber: 11)
        var again = TestPacket.rtp(sequenceNumber: 11)
        try first.apply(link.server.protectRTP)
        try again.apply(link.server.protectRTP)
        #expect(first.bytes == again.bytes)
    }

    /// libsrtp trusts the buffer to hold the trailer: protection with exactly the profile's overhead as room must
    /// not touch a byte after it (checked with a canary), for RTP and RTCP of many lengths.
    @Test(arguments: SRTPProfile.allCases)
    func protectionWritesExactlyTheOverhead(profile: SRTPProfile) throws {
        let link = try MediaLink(clientProfiles: [profile])
        link.connect()
        try #require(link.client.isSecure)
        for rtcp in [false, true] {
            let overhead = rtcp ? profile.rtcpOverhead : profile.rtpOverhead
            for payload in stride(from: 0, through: 1188, by: 37) {
                var packet = rtcp ? TestPacket.senderReport(packetCount: UInt8(truncatingIfNeeded: payload))
                    : TestPacket.rtp(sequenceNumber: UInt16(payload), payloadLength: payload)
                if rtcp { packet = TestPacket(packet.bytes + [UInt8](repeating: 0, count: payload & ~3)) }
                let length = packet.length
                packet.buffer = Array(packet.buffer[..<length]) + [UInt8](repeating: 0xee, count: overhead + 64)
                try packet.apply { pointer, length, _ throws(TransportError) in
                    try rtcp ? link.client.protectRTCP(pointer, length: length, capacity: length + overhead)
                        : link.client.protectRTP(pointer, length: length, capacity: length + overhead)
                }
                #expect(packet.length == length + overhead)
                #expect(packet.buffer[(length + overhead)...].allSatisfy { $0 == 0xee }, "rtcp \(rtcp), \(length) bytes")
            }
        }
    }

    @Test func srtpBeforeTheHandshakeIsRefused() throws {
        let link = try MediaLink()
        var packet = TestPacket.rtp(sequenceNumber: 1)
        Self.expectError(.notSecure, "protect before DTLS") {
            () throws(TransportError) in try packet.apply(link.server.protectRTP)
        }
        Self.expectError(.notSecure, "unprotect before DTLS") {
            () throws(TransportError) in
            try packet.apply { pointer, length, _ throws(TransportError) in try link.client.unprotectRTP(pointer, length: length) }
        }
    }

    @Test func wrongAnnouncedServerFingerprintFailsTheClient() throws {
        let other = try DTLSCertificate.generate()
        let link = try MediaLink(clientExpects: other.fingerprint)
        link.connect()
        guard case .failed(let reason) = link.client.state else {
            Issue.record("client state \(link.client.state)")
            return
        }
        #expect(reason.contains("not the announced"), "\(reason)")
        #expect(reason.contains(MediaLink.serverCertificate.fingerprint.description.dropFirst(8)), "names what was presented")
        #expect(link.clientEvents.count == 1)
        #expect(!link.client.isSecure && !link.server.isSecure)
        // The server hears the alert.
        #expect(link.server.failure != nil)
        if case .failed = link.serverEvents.first {} else { Issue.record("server events \(link.serverEvents)") }
    }

    @Test func wrongAnnouncedClientFingerprintFailsTheServer() throws {
        let other = try DTLSCertificate.generate()
        let link = try MediaLink(serverExpects: other.fingerprint)
        link.connect()
        let failure = try #require(link.server.failure)
        #expect(failure.contains("peer certificate fingerprint sha-256") && failure.contains("is not the announced"), "\(failure)")
        #expect(link.serverEvents == [.failed(failure)])
        #expect(!link.server.isSecure)
        guard case .failed(let reason) = link.client.state else {
            Issue.record("client state \(link.client.state)")
            return
        }
        #expect(reason.contains("the peer refused our certificate"), "\(reason)")
    }

    @Test func noCommonSRTPProfileFails() throws {
        let link = try MediaLink(clientProfiles: [.aes128CMHMACSHA1_80], serverProfiles: [.aeadAES128GCM])
        link.connect()
        #expect(link.server.failure?.contains("no SRTP protection profile") == true, "\(link.server.failure ?? "nil")")
        #expect(link.client.state == .failed("no SRTP protection profile negotiated (use_srtp)"))
    }

    @Test func checkWithAWrongPasswordIsDroppedUnanswered() throws {
        let link = try MediaLink()
        let impostor = try ClientMediaConnection(
            local: link.clientCredentials,
            remote: #require(ICECredentials(ufrag: link.serverCredentials.ufrag, password: "wrongwrongwrongwrongwrong")),
            remoteFingerprint: MediaLink.serverCertificate.fingerprint, certificate: MediaLink.clientCertificate)
        let now = ContinuousClock.now
        let check = try #require(impostor.poll(now: now).first)
        let outcome = check.withUnsafeBytes { link.server.receiveSTUN($0, from: link.clientAddress, now: now) }
        #expect(outcome == .drop(.badIntegrity))
        #expect(link.server.selectedAddress == nil)
        #expect(!link.server.hasConsent(now: now))
        #expect(check.withUnsafeBytes { ServerMediaConnection.localUfrag(ofBindingRequest: $0) } == link.serverCredentials.ufrag)

        // Someone else's session: another server ufrag.
        let stranger = try ClientMediaConnection(
            local: link.clientCredentials, remote: ICECredentials.random(),
            remoteFingerprint: MediaLink.serverCertificate.fingerprint, certificate: MediaLink.clientCertificate)
        let strangerCheck = try #require(stranger.poll(now: now).first)
        #expect(strangerCheck.withUnsafeBytes { link.server.receiveSTUN($0, from: link.clientAddress, now: now) } == .drop(.unknownUsername))
        // Garbage and truncated checks.
        #expect([0, 1, 0, 0].withUnsafeBytes { link.server.receiveSTUN($0, from: link.clientAddress, now: now) } == .drop(.malformed))
        var corrupted = try #require(link.client.poll(now: now).first)
        corrupted[30] ^= 1
        #expect(corrupted.withUnsafeBytes { link.server.receiveSTUN($0, from: link.clientAddress, now: now) } == .drop(.badFingerprint))
    }

    @Test func replayedCheckIsDroppedAndARetransmissionOnlyReanswered() throws {
        let link = try MediaLink()
        let now = ContinuousClock.now
        let check = try #require(link.client.poll(now: now).first)
        guard case .answer(let answer, let selected) = check.withUnsafeBytes({ link.server.receiveSTUN($0, from: link.clientAddress, now: now) }) else {
            Issue.record("first check not answered")
            return
        }
        #expect(selected, "USE-CANDIDATE selects")
        #expect(answer.count <= check.count)
        #expect(answer.withUnsafeBytes { link.client.receiveSTUN($0, now: now) })
        #expect(!answer.withUnsafeBytes { link.client.receiveSTUN($0, now: now) }, "a response is accepted once")
        let attacker = TransportAddress(ip: [203, 0, 113, 9], port: 4444)
        #expect(check.withUnsafeBytes { link.server.receiveSTUN($0, from: attacker, now: now + .seconds(1)) } == .drop(.replayedTransaction))
        #expect(link.server.selectedAddress == link.clientAddress, "a replay moves nothing")
        // From its own address soon after, it is a STUN retransmission: the same answer, but no fresh consent.
        let retransmission = check.withUnsafeBytes { link.server.receiveSTUN($0, from: link.clientAddress, now: now + .seconds(5)) }
        #expect(retransmission == .answer(answer, selected: true))
        #expect(!link.server.hasConsent(now: now + .seconds(30)), "consent still counts from the first arrival")
        #expect(check.withUnsafeBytes { link.server.receiveSTUN($0, from: link.clientAddress, now: now + .seconds(11)) } == .drop(.replayedTransaction))
        // A retransmission from another address does not move the selection either.
        let second = try #require(link.client.poll(now: now + .seconds(3)).first)
        _ = second.withUnsafeBytes { link.server.receiveSTUN($0, from: link.clientAddress, now: now + .seconds(3)) }
        #expect(second.withUnsafeBytes { link.server.receiveSTUN($0, from: attacker, now: now + .seconds(4)) } == .drop(.replayedTransaction))
        #expect(link.server.selectedAddress == link.clientAddress)
    }

    @Test func dtlsBeforeAnySelectedAddressIsIgnored() throws {
        let fresh = try MediaLink()
        // A ClientHello from a client whose checks were never answered by `fresh.server`.
        let probe = try MediaLink()
        var hello: [UInt8]?
        probe.lose = { direction, datagram in
            if direction == .toServer, datagram.withUnsafeBytes({ DatagramClass($0) }) == .dtls { hello = hello ?? datagram }
            return direction == .toServer && hello != nil
        }
        probe.connect(steps: 3)
        let clientHello = try #require(hello)
        let result = clientHello.withUnsafeBytes { fresh.server.receiveDTLS($0, now: .now) }
        #expect(result.outgoing.isEmpty && result.event == nil, "no answer to an unconsented address")
    }

    @Test func consentLapses30SecondsAfterTheLastCheck() throws {
        let link = try MediaLink()
        let start = ContinuousClock.now
        let secureAt = link.connect(from: start)
        try #require(link.server.isSecure)
        // The last check the server answered was at or before `secureAt`; consent checks are 2.5 s apart, so none
        // is sent in this window if the client is not polled.
        #expect(link.server.hasConsent(now: secureAt + .seconds(29)))
        #expect(!link.server.hasConsent(now: secureAt + .seconds(31)))
        #expect(link.client.hasConsent(now: secureAt + .seconds(29)))
        #expect(!link.client.hasConsent(now: secureAt + .seconds(31)))

        // Polled on time, the client's consent checks keep both sides fresh for minutes.
        var now = secureAt
        while now < secureAt + .seconds(120) {
            now += .milliseconds(500)
            link.step(now: now)
            #expect(link.server.hasConsent(now: now) && link.client.hasConsent(now: now))
        }
        let checks = link.answerSizes.count
        #expect((40...70).contains(checks), "about one check per 2.5 s, got \(checks)")

        // The client goes silent: consent ends 30 s after its last check, not before.
        let lastCheck = now
        #expect(link.server.hasConsent(now: lastCheck + .seconds(27)))
        #expect(!link.server.hasConsent(now: lastCheck + .seconds(30)))
    }

    @Test func validCheckFromANewAddressMovesTheSelection() throws {
        let link = try MediaLink()
        let secureAt = link.connect()
        try #require(link.server.isSecure)
        let moved = TransportAddress(ip: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [7], port: 61_000)
        link.clientAddress = moved
        var now = secureAt
        for _ in 0..<8 {
            now += .milliseconds(500)
            link.step(now: now)
        }
        #expect(link.server.selectedAddress == moved)
        #expect(link.server.hasConsent(now: now))
        for (request, answer) in link.answerSizes { #expect(answer <= request, "IPv6 answers are larger, still not amplified") }
        // The DTLS association and SRTP are untouched by the move.
        var packet = TestPacket.rtp(sequenceNumber: 1)
        let plain = packet.bytes
        try packet.apply(link.client.protectRTP)
        try packet.apply { pointer, length, _ throws(TransportError) in try link.server.unprotectRTP(pointer, length: length) }
        #expect(packet.bytes == plain)
    }

    /// Each flight of the handshake lost once: ClientHello; ServerHello … ServerHelloDone; the client's
    /// Certificate … Finished; the server's ChangeCipherSpec + Finished (after which the server is already done,
    /// and answers the client's retransmission by repeating it).
    @Test(arguments: [(MediaLink.Direction.toServer, 1), (.toClient, 1), (.toServer, 2), (.toClient, 2)])
    func lostDTLSFlightIsRetransmittedOnTheTimer(direction: MediaLink.Direction, flight: Int) async throws {
        let link = try MediaLink()
        var seen = 0
        var lost = 0
        link.lose = { towards, datagram in
            guard towards == direction, datagram.withUnsafeBytes({ DatagramClass($0) }) == .dtls else { return false }
            seen += 1
            if seen == flight {
                lost += 1
                return true
            }
            return false
        }
        let clock = ContinuousClock()
        let started = clock.now
        try await link.connectInRealTime()
        let elapsed = clock.now - started
        #expect(lost == 1)
        #expect(link.server.isSecure && link.client.isSecure)
        #expect(elapsed >= .milliseconds(90), "recovered by a retransmission timer, took \(elapsed)")
        #expect(elapsed < .milliseconds(800), "the first retransmission comes after ~100 ms (OpenSSL alone: 1 s), took \(elapsed)")
        print("handshake with DTLS flight \(flight) \(direction) lost once: \(elapsed)")
    }

    @Test func closeNotifyEndsThePeer() throws {
        let link = try MediaLink()
        link.connect()
        let goodbye = link.client.close()
        #expect(!goodbye.isEmpty)
        #expect(!link.client.isSecure)
        var events: [DTLSEvent] = []
        for datagram in goodbye {
            if let event = datagram.withUnsafeBytes({ link.server.receiveDTLS($0, now: .now) }).event { events.append(event) }
        }
        #expect(events == [.closed])
        #expect(!link.server.isSecure)
    }

    @Test func invalidPeerUfragIsRefused() {
        #expect(throws: TransportError.self) {
            try ServerMediaConnection(
                local: .random(), remoteUfrag: "a:b", remoteFingerprint: MediaLink.clientCertificate.fingerprint,
                certificate: MediaLink.serverCertificate)
        }
    }

    @Test func certificatesAreDistinctAndTheirFingerprintsParse() throws {
        let certificate = try DTLSCertificate.generate()
        #expect(certificate.fingerprint != MediaLink.serverCertificate.fingerprint)
        #expect(CertificateFingerprint(certificate.fingerprint.description) == certificate.fingerprint)
    }
}
