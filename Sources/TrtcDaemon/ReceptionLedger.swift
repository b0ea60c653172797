import TrtcRTP

/// Reception statistics of every other source a transport hears (video 90 kHz, audio 48 kHz), and the receiver
/// reports built from them. Owned by the transport's receive thread.
struct ReceptionLedger {
    /// Cumulative counters of one source, copied out for `Statistics` (the receive thread keeps the ledger).
    struct SourceCounters: Sendable, Equatable {
        var isVideo: Bool
        var packetsExpected: UInt32
        var packetsReceived: UInt32
        /// RTP packet bytes (header included, SRTP overhead not).
        var bytesReceived: Int
    }

    private struct Source {
        var statistics: RTPReceptionStatistics
        var lastHeard: Duration
        var bytes = 0
        var isVideo: Bool { statistics.clockRate == VP8Packetizer.clockRate }
    }

    private var sources: [UInt32: Source] = [:]

    mutating func record(_ packet: RTPPacket, size: Int, arrival: Duration) {
        let clockRate = packet.payloadType == RTPPayloadType.opus ? OpusRTPPacketizer.clockRate : VP8Packetizer.clockRate
        // In place: this runs for every packet received.
        sources[packet.ssrc, default: Source(statistics: RTPReceptionStatistics(ssrc: packet.ssrc, clockRate: clockRate), lastHeard: arrival)]
            .statistics.record(sequenceNumber: packet.sequenceNumber, rtpTimestamp: packet.timestamp, arrival: arrival)
        sources[packet.ssrc]?.lastHeard = arrival
        sources[packet.ssrc]?.bytes += size
    }

    mutating func record(_ report: RTCPSenderReport, arrival: Duration) {
        sources[report.ssrc]?.statistics.recordSenderReport(report, arrival: arrival)
    }

    /// Every source's counters so far.
    var counters: [UInt32: SourceCounters] {
        sources.mapValues {
            SourceCounters(isVideo: $0.isVideo, packetsExpected: $0.statistics.packetsExpected,
                           packetsReceived: $0.statistics.packetsReceived, bytesReceived: $0.bytes)
        }
    }

    /// Receiver reports (at most 31 blocks each) from `reporter` about the sources heard within `timeout`; sources
    /// silent longer are forgotten. `audio` false leaves audio sources out (their reports are due less often, and
    /// a block's fraction lost covers the time since that source's previous block).
    mutating func reports(from reporter: UInt32, now: Duration, forgettingAfter timeout: Duration, audio: Bool = true) -> [[UInt8]] {
        sources = sources.filter { now - $0.value.lastHeard <= timeout }
        var blocks: [RTCPReportBlock] = []
        for ssrc in sources.keys.sorted() where audio || sources[ssrc]?.isVideo == true {
            if let block = sources[ssrc]?.statistics.reportBlock(now: now) { blocks.append(block) }
        }
        return stride(from: 0, to: blocks.count, by: 31).compactMap { start in
            try? RTCPReceiverReport(ssrc: reporter, reportBlocks: Array(blocks[start..<min(start + 31, blocks.count)])).serialized()
        }
    }
}
