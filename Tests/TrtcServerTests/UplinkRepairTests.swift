import Testing
import TrtcHarnessTesting
import TrtcRTP
@testable import TrtcServer

/// The server's side of a publisher's uplink, without I/O: which packets it asks for, when, how often, and its
/// receiver reports.
@Suite struct UplinkRepairTests {
    static let ssrc: UInt32 = 0x1234_5678

    static func ms(_ value: Int) -> Duration { .milliseconds(value) }

    @Test func aGapIsAskedForAtOnceAgainHalfARoundTripLaterThenOncePerRoundTripAtMostFiveTimes() {
        var repair = UplinkRepair()
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 10, timestamp: 0, now: .zero) == [])
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 13, timestamp: 0, now: Self.ms(10)) == [.nack([11, 12])])
        #expect(repair.isRepairing(11) && repair.isRepairing(12) && !repair.isRepairing(13))
        // The second request half a round trip (the initial 100 ms) after the first, later ones 1.2 round trips apart.
        #expect(repair.tick(now: Self.ms(59)) == [])
        #expect(repair.tick(now: Self.ms(60)) == [.nack([11, 12])])
        #expect(repair.tick(now: Self.ms(179)) == [])
        #expect(repair.tick(now: Self.ms(180)) == [.nack([11, 12])])
        var requests = 3
        var now = 180
        var actions: [UplinkRepair.Action] = []
        repeat {
            now += 120
            actions = repair.tick(now: Self.ms(now))
            if actions == [.nack([11, 12])] { requests += 1 }
        } while actions == [.nack([11, 12])]
        #expect(requests == UplinkRepair.maximumRequests)
        // One retry interval after the last request the packets are given up, and a key frame is the way back.
        #expect(actions == [.keyframeRequest])
        #expect(repair.counters == .init(repaired: 0, unrepaired: 2))
        #expect(!repair.isRepairing(11))
    }

    @Test func aRepairedPacketEndsItsRequestsAndMeasuresTheRoundTrip() {
        var repair = UplinkRepair()
        _ = repair.videoPacket(ssrc: Self.ssrc, sequence: 1, timestamp: 0, now: .zero)
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 3, timestamp: 0, now: Self.ms(100)) == [.nack([2])])
        // The answer after 40 ms: the estimate moves from 100 ms towards 40 ms (by an eighth).
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 2, timestamp: 0, now: Self.ms(140)) == [])
        #expect(repair.roundTrip == Self.ms(100) * 7 / 8 + Self.ms(40) / 8)
        #expect(repair.counters == .init(repaired: 1, unrepaired: 0))
        #expect(repair.tick(now: Self.ms(900)) == [])
        // Many fast answers bring the retry interval down to what the path needs, never below 20 ms.
        for round in 0..<40 {
            let base = UInt16(10 + 2 * round)
            let start = 1000 + 10 * round
            _ = repair.videoPacket(ssrc: Self.ssrc, sequence: base + 1, timestamp: 0, now: Self.ms(start))
            _ = repair.videoPacket(ssrc: Self.ssrc, sequence: base, timestamp: 0, now: Self.ms(start + 2))
        }
        #expect(repair.retryInterval == UplinkRepair.minimumRetry)
    }

    /// Karn's rule with the early second request: an answer that comes sooner after the second request than half a
    /// round trip can only answer the first, and measures from it; a later one may answer either and measures nothing.
    @Test func anAnswerTooEarlyForTheSecondRequestMeasuresFromTheFirst() {
        var repair = UplinkRepair()
        _ = repair.videoPacket(ssrc: Self.ssrc, sequence: 1, timestamp: 0, now: .zero)
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 3, timestamp: 0, now: Self.ms(0)) == [.nack([2])])
        #expect(repair.tick(now: Self.ms(50)) == [.nack([2])])
        _ = repair.videoPacket(ssrc: Self.ssrc, sequence: 2, timestamp: 0, now: Self.ms(90))
        #expect(repair.roundTrip == Self.ms(100) * 7 / 8 + Self.ms(90) / 8, "measured from the first request")
        let before = repair.roundTrip
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 5, timestamp: 0, now: Self.ms(200)) == [.nack([4])])
        #expect(repair.tick(now: Self.ms(250)) == [.nack([4])])
        _ = repair.videoPacket(ssrc: Self.ssrc, sequence: 4, timestamp: 0, now: Self.ms(310))
        #expect(repair.roundTrip == before, "60 ms after the second request: either's answer, no sample")
    }

    @Test func lateAndDuplicatePacketsAreNotGapsAndAHugeJumpAsksForAKeyFrame() {
        var repair = UplinkRepair()
        _ = repair.videoPacket(ssrc: Self.ssrc, sequence: 65_534, timestamp: 0, now: .zero)
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 65_535, timestamp: 0, now: Self.ms(1)) == [])
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 1, timestamp: 0, now: Self.ms(2)) == [.nack([0])], "across the wrap")
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 1, timestamp: 0, now: Self.ms(3)) == [], "duplicate")
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 65_000, timestamp: 0, now: Self.ms(4)) == [], "far behind: late")
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 1000, timestamp: 0, now: Self.ms(5)) == [.keyframeRequest])
        #expect(repair.counters.unrepaired == 1 + 998)
        // A new SSRC starts over.
        #expect(repair.videoPacket(ssrc: 99, sequence: 5000, timestamp: 0, now: Self.ms(6)) == [])
        #expect(repair.videoPacket(ssrc: 99, sequence: 5001, timestamp: 0, now: Self.ms(7)) == [])
    }

    @Test func aReceiverReportEverySecondWithLossJitterAndTheSenderReportsTime() throws {
        var repair = UplinkRepair()
        #expect(repair.tick(now: .seconds(5)) == [], "nothing heard, nothing reported")
        // 100 video packets in the first second, every 10th lost for good; audio every 20 ms.
        for index in 0..<100 where index % 10 != 5 {
            _ = repair.videoPacket(ssrc: Self.ssrc, sequence: UInt16(index), timestamp: UInt32(index * 900), now: .seconds(5) + Self.ms(10 * index))
        }
        for index in 0..<50 {
            repair.audioPacket(ssrc: 7, sequence: UInt16(index), timestamp: UInt32(index * 960), now: .seconds(5) + Self.ms(20 * index))
        }
        let report = try RTCPSenderReport(ssrc: Self.ssrc, ntpTimestamp: NTPTimestamp(seconds: 100, fraction: 0x8000_0000), rtpTimestamp: 0,
                                          packetCount: 0, octetCount: 0, reportBlocks: [])
        repair.senderReport(report, now: .seconds(5) + Self.ms(500))
        let actions = repair.tick(now: .seconds(6))
        guard case .report(let blocks)? = actions.last else { throw TestFailure("no report: \(actions)") }
        #expect(blocks.map(\.ssrc) == [Self.ssrc, 7])
        #expect(blocks[0].extendedHighestSequenceNumber == 99)
        #expect(blocks[0].cumulativeLost == 10)
        #expect(blocks[0].fractionLost == UInt8(10 * 256 / 100))
        #expect(blocks[0].interarrivalJitter == 0, "packets arrive exactly on their timestamps")
        #expect(blocks[0].lastSenderReport == report.ntpTimestamp.compact)
        #expect(blocks[0].delaySinceLastSenderReport == 65_536 / 2, "half a second")
        #expect(blocks[1].cumulativeLost == 0)
        // The next one a second later, not before.
        #expect(repair.tick(now: .seconds(6) + Self.ms(500)).filter { if case .report = $0 { true } else { false } }.isEmpty)
        #expect(repair.tick(now: .seconds(7)).contains { if case .report = $0 { true } else { false } })
    }
}

extension UplinkRepairTests {
    @Test func aGapAfterALongSilenceAsksForAKeyFrameNotForThePackets() {
        var repair = UplinkRepair()
        _ = repair.videoPacket(ssrc: Self.ssrc, sequence: 1, timestamp: 0, now: .zero)
        // 2 s of nothing (an outage), then 100 packets later: too old to be worth repairing.
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 102, timestamp: 0, now: .seconds(2)) == [.keyframeRequest])
        #expect(repair.counters.unrepaired == 100)
        #expect(!repair.isRepairing(50))
        // A short pause is an ordinary gap.
        #expect(repair.videoPacket(ssrc: Self.ssrc, sequence: 104, timestamp: 0, now: .seconds(2) + Self.ms(300)) == [.nack([103])])
    }
}
