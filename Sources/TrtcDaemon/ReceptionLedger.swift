import TrtcRTP

/// Reception statistics of every other source a transport hears (video 90 kHz, audio 48 kHz), and the receiver
/// reports built from them. Owned by the transport's receive thread.
struct ReceptionLedger {
    private var sources: [UInt32: (statistics: RTPReceptionStatistics, lastHeard: Duration)] = [:]

    mutating func record(_ packet: RTPPacket, arrival: Duration) {
        let clockRate = packet.payloadType == RTPPayloadType.opus ? OpusRTPPacketizer.clockRate : VP8Packetizer.clockRate
        // In place: this runs for every packet received.
        sources[packet.ssrc, default: (RTPReceptionStatistics(ssrc: packet.ssrc, clockRate: clockRate), arrival)]
            .statistics.record(sequenceNumber: packet.sequenceNumber, rtpTimestamp: packet.timestamp, arrival: arrival)
        sources[packet.ssrc]?.lastHeard = arrival
    }

    mutating func record(_ report: RTCPSenderReport, arrival: Duration) {
        sources[report.ssrc]?.statistics.recordSenderReport(report, arrival: arrival)
    }

    /// Receiver reports (at most 31 blocks each) from `reporter` about every source heard within `timeout`; sources
    /// silent longer are forgotten.
    mutating func reports(from reporter: UInt32, now: Duration, forgettingAfter timeout: Duration) -> [[UInt8]] {
        sources = sources.filter { now - $0.value.lastHeard <= timeout }
        var blocks: [RTCPReportBlock] = []
        for ssrc in sources.keys.sorted() {
            if let block = sources[ssrc]?.statistics.reportBlock(now: now) { blocks.append(block) }
        }
        return stride(from: 0, to: blocks.count, by: 31).compactMap { start in
            try? RTCPReceiverReport(ssrc: reporter, reportBlocks: Array(blocks[start..<min(start + 31, blocks.count)])).serialized()
        }
    }
}
