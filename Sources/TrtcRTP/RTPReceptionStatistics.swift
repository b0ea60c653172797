/// What a receiver knows about one RTP source, for the reception report blocks of RTCP receiver reports
/// (RFC 3550 §6.4.1, appendix A.3 for loss and A.8 for jitter).
///
/// Sequence numbers are extended across wrap-around; packets that arrive late or twice count as received but do not
/// move the highest sequence number (so, as RFC 3550 intends, duplicates can make the cumulative loss negative).
public struct RTPReceptionStatistics: Sendable {
    public let ssrc: UInt32
    public let clockRate: Int

    private var baseSequence: UInt32 = 0
    private var highestSequence: UInt16 = 0
    private var cycles: UInt32 = 0
    public private(set) var packetsReceived: UInt32 = 0
    private var expectedPrior: UInt32 = 0
    private var receivedPrior: UInt32 = 0
    private var previousTransit: Int64?
    /// Interarrival jitter in timestamp units, scaled by 16 as in A.8's integer form.
    private var scaledJitter: Int64 = 0
    private var lastSenderReport: (compactNTP: UInt32, arrival: Duration)?

    public init(ssrc: UInt32, clockRate: Int) {
        self.ssrc = ssrc
        self.clockRate = clockRate
    }

    /// Packets expected so far (extended highest sequence number − first + 1; RFC 3550 A.3); 0 before the first.
    /// With `packetsReceived` it gives the loss over any interval, independently of the report blocks' intervals.
    public var packetsExpected: UInt32 {
        packetsReceived == 0 ? 0 : (cycles &+ UInt32(highestSequence)) &- baseSequence &+ 1
    }

    /// One packet of this source, with its arrival time on a monotonic clock.
    public mutating func record(sequenceNumber: UInt16, rtpTimestamp: UInt32, arrival: Duration) {
        if packetsReceived == 0 {
            baseSequence = UInt32(sequenceNumber)
            highestSequence = sequenceNumber
        } else {
            let ahead = sequenceNumber &- highestSequence
            if ahead != 0 && ahead < 0x8000 {
                if sequenceNumber < highestSequence { cycles &+= 1 << 16 }
                highestSequence = sequenceNumber
            }
        }
        packetsReceived &+= 1

        let arrivalTicks = arrival.components.seconds * Int64(clockRate)
            + arrival.components.attoseconds / (1_000_000_000_000_000_000 / Int64(clockRate))
        let transit = arrivalTicks &- Int64(rtpTimestamp)
        if let previousTransit {
            let difference = abs(transit - previousTransit)
            scaledJitter += difference - ((scaledJitter + 8) >> 4)
        }
        previousTransit = transit
    }

    /// A sender report of this source arrived (for LSR/DLSR, so the sender can work out the round trip).
    public mutating func recordSenderReport(_ report: RTCPSenderReport, arrival: Duration) {
        lastSenderReport = (report.ntpTimestamp.compact, arrival)
    }

    /// The report block as of `now`; starts a new interval for the fraction lost. Nil before the first packet.
    public mutating func reportBlock(now: Duration) -> RTCPReportBlock? {
        guard packetsReceived > 0 else { return nil }
        let extendedHighest = cycles &+ UInt32(highestSequence)
        let expected = extendedHighest &- baseSequence &+ 1
        let lost = Int64(expected) - Int64(packetsReceived)
        let expectedInterval = expected &- expectedPrior
        let receivedInterval = packetsReceived &- receivedPrior
        expectedPrior = expected
        receivedPrior = packetsReceived
        let lostInterval = Int64(expectedInterval) - Int64(receivedInterval)
        let fraction = expectedInterval == 0 || lostInterval <= 0 ? 0 : UInt8(min(255, (lostInterval << 8) / Int64(expectedInterval)))
        var delay: UInt32 = 0
        if let lastSenderReport {
            let elapsed = now - lastSenderReport.arrival
            let units = elapsed.components.seconds * 65_536 + elapsed.components.attoseconds / (1_000_000_000_000_000_000 / 65_536)
            delay = UInt32(clamping: max(0, units))
        }
        return RTCPReportBlock(
            ssrc: ssrc, fractionLost: fraction, cumulativeLost: Int32(clamping: max(-0x80_0000, min(0x7F_FFFF, lost))),
            extendedHighestSequenceNumber: extendedHighest, interarrivalJitter: UInt32(clamping: scaledJitter >> 4),
            lastSenderReport: lastSenderReport?.compactNTP ?? 0, delaySinceLastSenderReport: delay)
    }
}
