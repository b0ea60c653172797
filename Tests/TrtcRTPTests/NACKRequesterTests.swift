import Testing
import TrtcRTP

/// The receiver's NACK schedule: a gap is asked for at once, then every 40 ms while missing, at most 3 times.
@Suite struct NACKRequesterTests {
    static func ms(_ value: Int) -> Duration { .milliseconds(value) }

    @Test func gapIsAskedForAtOnceThenEvery40msAtMostThreeTimes() {
        var requester = NACKRequester()
        #expect(requester.packetArrived(sequenceNumber: 10, now: Self.ms(0)).isEmpty)
        #expect(requester.packetArrived(sequenceNumber: 14, now: Self.ms(1)) == [11, 12, 13], "oldest first")
        #expect(requester.packetArrived(sequenceNumber: 15, now: Self.ms(20)).isEmpty, "not yet due again")
        #expect(requester.packetArrived(sequenceNumber: 12, now: Self.ms(30)).isEmpty, "a late packet only fills its gap")
        #expect(requester.packetArrived(sequenceNumber: 16, now: Self.ms(41)) == [11, 13])
        #expect(requester.packetArrived(sequenceNumber: 17, now: Self.ms(81)) == [11, 13])
        #expect(requester.packetArrived(sequenceNumber: 18, now: Self.ms(200)).isEmpty, "asked 3 times: given up")
    }

    @Test func jumpsOfMoreThan100AreLeftToAKeyFrame() {
        var requester = NACKRequester()
        _ = requester.packetArrived(sequenceNumber: 0, now: Self.ms(0))
        #expect(requester.packetArrived(sequenceNumber: 101, now: Self.ms(1)).isEmpty, "a jump of 101: 100 missing")
        #expect(requester.packetArrived(sequenceNumber: 201, now: Self.ms(2)) == Array(102...200), "a jump of 100: 99 missing")
    }

    @Test func numbersFallingMoreThan100BehindAreGivenUp() {
        var requester = NACKRequester()
        _ = requester.packetArrived(sequenceNumber: 65_534, now: Self.ms(0))
        #expect(requester.packetArrived(sequenceNumber: 1, now: Self.ms(1)) == [65_535, 0], "across the wrap")
        for number in UInt16(2)...UInt16(99) { _ = requester.packetArrived(sequenceNumber: number, now: Self.ms(2)) }
        #expect(requester.packetArrived(sequenceNumber: 100, now: Self.ms(50)) == [0], "65535 is 101 behind")
    }

    @Test func duplicatesAndOldPacketsAskForNothing() {
        var requester = NACKRequester()
        _ = requester.packetArrived(sequenceNumber: 500, now: Self.ms(0))
        _ = requester.packetArrived(sequenceNumber: 503, now: Self.ms(1))
        #expect(requester.packetArrived(sequenceNumber: 503, now: Self.ms(100)).isEmpty, "duplicate: nothing due is sent")
        #expect(requester.packetArrived(sequenceNumber: 400, now: Self.ms(100)).isEmpty)
        #expect(requester.packetArrived(sequenceNumber: 504, now: Self.ms(100)) == [501, 502])
    }

    @Test func resetForgetsTheStream() {
        var requester = NACKRequester()
        _ = requester.packetArrived(sequenceNumber: 1, now: Self.ms(0))
        _ = requester.packetArrived(sequenceNumber: 5, now: Self.ms(1))
        requester.reset()
        #expect(requester.packetArrived(sequenceNumber: 9000, now: Self.ms(100)).isEmpty, "a new stream's first packet")
        #expect(requester.packetArrived(sequenceNumber: 9001, now: Self.ms(200)).isEmpty, "the old gap is forgotten")
    }
}
