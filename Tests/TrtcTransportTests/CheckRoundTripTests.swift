import Testing
import TrtcTransport

/// The client's round trip to the server, measured on its connectivity (consent) checks: trtcd's `rtt` statistic.
@Suite struct CheckRoundTripTests {
    @Test("a consent check answered 7 ms after it was sent gives a 7 ms round trip; unanswered checks change nothing")
    func roundTripOfTheLastAnsweredCheck() throws {
        let link = try MediaLink()
        let connected = link.connect()
        #expect(link.client.isSecure)
        #expect(link.client.roundTrip == .zero, "synthetic time: the handshake's check was answered in the same instant")

        // The next consent check is due within 3 s (2.5 s ± 20 %).
        let sent = connected + .seconds(3)
        let check = try #require(link.client.poll(now: sent).first { $0.withUnsafeBytes { DatagramClass($0) } == .stun })
        let answer: [UInt8]? = check.withUnsafeBytes { bytes in
            if case .answer(let answer, _) = link.server.receiveSTUN(bytes, from: link.clientAddress, now: sent) { answer } else { nil }
        }
        let reply = try #require(answer)
        #expect(reply.withUnsafeBytes { link.client.receiveSTUN($0, now: sent + .milliseconds(7)) })
        #expect(link.client.roundTrip == .milliseconds(7))

        // A check that gets no answer leaves the last measurement.
        _ = link.client.poll(now: sent + .seconds(4))
        #expect(link.client.roundTrip == .milliseconds(7))
        // A repeated answer is not outstanding any more: ignored.
        #expect(!reply.withUnsafeBytes { link.client.receiveSTUN($0, now: sent + .seconds(5)) })
        #expect(link.client.roundTrip == .milliseconds(7))
    }
}
