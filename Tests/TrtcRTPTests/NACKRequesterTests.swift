import Testing
import TrtcRTP

/// The receiver's NACK schedule: a gap is asked for at once, again half a round trip later, then once per round trip
/// (at least 20 ms apart), at most 10 times or 1 s; an outage-sized gap or an oversized list asks for a key frame instead.
@Suite struct NACKRequesterTests {
    static func ms(_ value: Int) -> Duration { .milliseconds(value) }
    static let rtt = ms(50)

    /// Feeds packet `number` at `now` (its RTP timestamp: `now` on the 90 kHz clock).
    @discardableResult
    static func arrive(_ requester: inout NACKRequester, _ number: UInt16, at now: Duration, rtt: Duration? = rtt) -> NACKRequester.Update {
        requester.packetArrived(sequenceNumber: number, rtpTimestamp: UInt32(now / .milliseconds(1) * 90), now: now, roundTrip: rtt).update
    }

    @Test func gapIsAskedForAtOnceAgainHalfARoundTripLaterThenOncePerRoundTrip() {
        var requester = NACKRequester()
        #expect(Self.arrive(&requester, 10, at: Self.ms(0)).due.isEmpty)
        #expect(Self.arrive(&requester, 14, at: Self.ms(1)).due == [11, 12, 13], "oldest first, at once")
        // The second request half a round trip after the first: a lost request or answer costs half a round trip.
        #expect(requester.nextDeadline(roundTrip: Self.rtt) == Self.ms(26))
        #expect(requester.poll(now: Self.ms(25), roundTrip: Self.rtt).due.isEmpty)
        #expect(requester.poll(now: Self.ms(26), roundTrip: Self.rtt).due == [11, 12, 13])
        let answer = requester.packetArrived(sequenceNumber: 12, rtpTimestamp: 90, now: Self.ms(45), roundTrip: Self.rtt)
        #expect(answer.wasRequested && answer.requests == 2 && requester.repairRound(afterRequests: answer.requests) == 1,
                "two requests half a round trip apart are one round")
        #expect(requester.repairRound(afterRequests: 0) == 0 && requester.repairRound(afterRequests: 4) == 3)
        #expect(requester.poll(now: Self.ms(75), roundTrip: Self.rtt).due.isEmpty, "then not before a round trip")
        #expect(requester.poll(now: Self.ms(76), roundTrip: Self.rtt).due == [11, 13])
        #expect(requester.poll(now: Self.ms(126), roundTrip: Self.rtt).due == [11, 13])
        #expect(requester.counters.requests == 10 && requester.counters.retries == 7 && requester.counters.repaired == 1)
    }

    @Test func aShortRoundTripStillRetriesAtMost50TimesASecond() {
        var requester = NACKRequester()
        Self.arrive(&requester, 1, at: Self.ms(0), rtt: Self.ms(1))
        #expect(Self.arrive(&requester, 3, at: Self.ms(0), rtt: Self.ms(1)).due == [2])
        #expect(requester.poll(now: Self.ms(10), roundTrip: Self.ms(1)).due.isEmpty)
        #expect(requester.poll(now: Self.ms(20), roundTrip: Self.ms(1)).due == [2])
    }

    @Test func tenRequestsThenGivenUp() {
        var requester = NACKRequester()
        Self.arrive(&requester, 100, at: Self.ms(0))
        var asked = Self.arrive(&requester, 102, at: Self.ms(0)).due.count
        var givenUp: [UInt16] = []
        for step in 1...12 {
            let update = requester.poll(now: Self.ms(50 * step), roundTrip: Self.rtt)
            asked += update.due.count
            givenUp += update.givenUp
        }
        #expect(asked == 10, "asked ten times")
        #expect(givenUp == [101], "then given up")
        #expect(requester.outstanding == 0 && requester.counters.givenUp == 1)
    }

    @Test func aPacketMissingForASecondIsGivenUpWhateverTheRoundTrip() {
        var requester = NACKRequester()
        Self.arrive(&requester, 7, at: Self.ms(0), rtt: Self.ms(400))
        Self.arrive(&requester, 9, at: Self.ms(0), rtt: Self.ms(400))
        #expect(requester.poll(now: Self.ms(999), roundTrip: Self.ms(400)).givenUp.isEmpty)
        #expect(requester.poll(now: Self.ms(1000), roundTrip: Self.ms(400)).givenUp == [8])
    }

    @Test func anOutageSizedGapAsksForAKeyFrameNotForPackets() {
        var requester = NACKRequester()
        _ = requester.packetArrived(sequenceNumber: 500, rtpTimestamp: 0, now: Self.ms(0), roundTrip: Self.rtt)
        let update = requester.packetArrived(sequenceNumber: 560, rtpTimestamp: 180_000, now: Self.ms(2000), roundTrip: Self.rtt).update
        #expect(update.keyframeNeeded, "2 s of media missing")
        #expect(update.due.isEmpty && requester.outstanding == 0)
    }

    @Test func tooManyMissingAsksForAKeyFrame() {
        var configuration = NACKRequester.Configuration()
        configuration.maximumMissing = 20
        var requester = NACKRequester(configuration: configuration)
        Self.arrive(&requester, 0, at: Self.ms(0))
        #expect(Self.arrive(&requester, 15, at: Self.ms(1)).due.count == 14)
        let update = Self.arrive(&requester, 25, at: Self.ms(2))
        #expect(update.keyframeNeeded && update.givenUp.count == 14 && requester.outstanding == 0)
    }

    @Test func sequenceNumbersWrap() {
        var requester = NACKRequester()
        Self.arrive(&requester, 65_534, at: Self.ms(0))
        #expect(Self.arrive(&requester, 1, at: Self.ms(1)).due == [65_535, 0], "across the wrap, oldest first")
        requester.forget(before: 0)
        #expect(requester.poll(now: Self.ms(100), roundTrip: Self.rtt).due == [0], "65535 forgotten")
    }

    @Test func duplicatesAndOldPacketsAskForNothing() {
        var requester = NACKRequester()
        Self.arrive(&requester, 500, at: Self.ms(0))
        Self.arrive(&requester, 503, at: Self.ms(1))
        #expect(Self.arrive(&requester, 503, at: Self.ms(10)).due.isEmpty)
        #expect(Self.arrive(&requester, 400, at: Self.ms(10)).due.isEmpty)
        #expect(requester.outstanding == 2)
    }

    @Test func resetForgetsTheStream() {
        var requester = NACKRequester()
        Self.arrive(&requester, 1, at: Self.ms(0))
        Self.arrive(&requester, 5, at: Self.ms(1))
        requester.reset()
        #expect(Self.arrive(&requester, 9000, at: Self.ms(100)).due.isEmpty, "a new stream's first packet")
        #expect(requester.poll(now: Self.ms(200), roundTrip: Self.rtt).due.isEmpty, "the old gap is forgotten")
    }
}
