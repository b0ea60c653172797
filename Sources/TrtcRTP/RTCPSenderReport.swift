/// RTCP sender report, PT 200 (RFC 3550 §6.4.1).
public struct RTCPSenderReport: Sendable, Equatable {
    public static let packetType: UInt8 = 200

    public var ssrc: UInt32
    /// Wall-clock time this report was made.
    public var ntpTimestamp: NTPTimestamp
    /// The same instant on the stream's RTP clock.
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
    public private(set) var reportBlocks: [RTCPReportBlock]

    public init(
        ssrc: UInt32, ntpTimestamp: NTPTimestamp, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
        reportBlocks: [RTCPReportBlock] = []
    ) throws(RTPParseError) {
        guard reportBlocks.count <= 31 else { throw .invalidField("\(reportBlocks.count) report blocks, at most 31") }
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reportBlocks = reportBlocks
    }

    /// A report for the stream `sequencer` sends, made at `time` (wall clock) which corresponds
    /// to `rtpTimestamp` on the stream's clock.
    public init(sequencer: RTPSequencer, time: NTPTimestamp, rtpTimestamp: UInt32) {
        ssrc = sequencer.ssrc
        ntpTimestamp = time
        self.rtpTimestamp = rtpTimestamp
        packetCount = sequencer.packetCount
        octetCount = sequencer.octetCount
        reportBlocks = []
    }

    init(count: Int, body reader: inout ByteReader) throws(RTPParseError) {
        ssrc = try reader.readUInt32()
        ntpTimestamp = NTPTimestamp(seconds: try reader.readUInt32(), fraction: try reader.readUInt32())
        rtpTimestamp = try reader.readUInt32()
        packetCount = try reader.readUInt32()
        octetCount = try reader.readUInt32()
        var blocks: [RTCPReportBlock] = []
        for _ in 0..<count { blocks.append(try RTCPReportBlock(reading: &reader)) }
        reportBlocks = blocks
        // Profile-specific extensions may follow; they are ignored.
    }

    public func serialized() -> [UInt8] {
        var bytes = RTCPPacket.header(count: reportBlocks.count, packetType: Self.packetType,
                                      bodyLength: 24 + reportBlocks.count * RTCPReportBlock.size)
        bytes.appendBigEndian(ssrc)
        bytes.appendBigEndian(ntpTimestamp.seconds)
        bytes.appendBigEndian(ntpTimestamp.fraction)
        bytes.appendBigEndian(rtpTimestamp)
        bytes.appendBigEndian(packetCount)
        bytes.appendBigEndian(octetCount)
        for block in reportBlocks { block.write(to: &bytes) }
        return bytes
    }
}
