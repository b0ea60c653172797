import Testing
@testable import TrtcRTP

/// Reception report blocks as RFC 3550 defines them (§6.4.1, A.3, A.8).
@Suite struct RTPReceptionStatisticsTests {
    static let packet: Duration = .milliseconds(20)

    @Test func inOrderAcrossTheWrapLosesNothing() throws {
        var statistics = RTPReceptionStatistics(ssrc: 7, clockRate: 48_000)
        for index in 0..<100 {
            statistics.record(sequenceNumber: UInt16(truncatingIfNeeded: 65_500 + index), rtpTimestamp: UInt32(index * 960),
                              arrival: Self.packet * index)
        }
        let blockReport = statistics.reportBlock(now: .seconds(2))
        let block = try #require(blockReport)
        #expect(block.ssrc == 7 && block.cumulativeLost == 0 && block.fractionLost == 0)
        #expect(block.extendedHighestSequenceNumber == 65_536 + 63, "one wrap, highest 63")
        #expect(block.interarrivalJitter == 0, "arrivals exactly as the timestamps say")
    }

    @Test func lossCountsPerIntervalAndInTotal() throws {
        var statistics = RTPReceptionStatistics(ssrc: 1, clockRate: 90_000)
        for index in 0..<100 where index % 10 != 3 {
            statistics.record(sequenceNumber: UInt16(index), rtpTimestamp: UInt32(index * 3000), arrival: .milliseconds(33 * index))
        }
        let firstReport = statistics.reportBlock(now: .seconds(4))
        let first = try #require(firstReport)
        #expect(first.cumulativeLost == 10)
        #expect(first.fractionLost == UInt8(10 * 256 / 100))
        for index in 100..<150 {
            statistics.record(sequenceNumber: UInt16(index), rtpTimestamp: UInt32(index * 3000), arrival: .milliseconds(33 * index))
        }
        let secondReport = statistics.reportBlock(now: .seconds(6))
        let second = try #require(secondReport)
        #expect(second.cumulativeLost == 10 && second.fractionLost == 0, "nothing lost in the second interval")
        #expect(second.extendedHighestSequenceNumber == 149)
    }

    @Test func duplicatesAndLatePacketsDoNotMoveTheHighestNumber() throws {
        var statistics = RTPReceptionStatistics(ssrc: 2, clockRate: 48_000)
        for sequence: UInt16 in [10, 11, 13, 12, 13, 13, 14] {
            statistics.record(sequenceNumber: sequence, rtpTimestamp: UInt32(sequence) * 960, arrival: Self.packet * Int(sequence))
        }
        let blockReport = statistics.reportBlock(now: .seconds(1))
        let block = try #require(blockReport)
        #expect(block.extendedHighestSequenceNumber == 14)
        #expect(block.cumulativeLost == -2, "5 expected, 7 received (RFC 3550 lets duplicates make it negative)")
    }

    @Test func jitterFollowsVaryingTransitTime() throws {
        var statistics = RTPReceptionStatistics(ssrc: 3, clockRate: 48_000)
        for index in 0..<400 {
            // Every other packet 10 ms late: consecutive transit times differ by 480 ticks.
            let arrival = Self.packet * index + (index % 2 == 0 ? .zero : .milliseconds(10))
            statistics.record(sequenceNumber: UInt16(index), rtpTimestamp: UInt32(index * 960), arrival: arrival)
        }
        let blockReport = statistics.reportBlock(now: .seconds(9))
        let block = try #require(blockReport)
        #expect((470...480).contains(block.interarrivalJitter), "jitter \(block.interarrivalJitter) converges to 480")
    }

    @Test func lastSenderReportAndTheDelaySinceIt() throws {
        var statistics = RTPReceptionStatistics(ssrc: 4, clockRate: 90_000)
        let empty = statistics.reportBlock(now: .seconds(1))
        #expect(empty == nil, "nothing to report before the first packet")
        statistics.record(sequenceNumber: 1, rtpTimestamp: 0, arrival: .seconds(1))
        let ntp = NTPTimestamp(seconds: 0x1234_5678, fraction: 0x9ABC_DEF0)
        statistics.recordSenderReport(try RTCPSenderReport(ssrc: 4, ntpTimestamp: ntp, rtpTimestamp: 0, packetCount: 1, octetCount: 100),
                                      arrival: .seconds(2))
        let blockReport = statistics.reportBlock(now: .milliseconds(2500))
        let block = try #require(blockReport)
        #expect(block.lastSenderReport == 0x5678_9ABC)
        #expect(block.delaySinceLastSenderReport == 32_768, "0.5 s in 1/65536 s")
    }
}
