/// RTCP receiver report, PT 201 (RFC 3550 §6.4.2).
public struct RTCPReceiverReport: Sendable, Equatable {
    public static let packetType: UInt8 = 201

    public var ssrc: UInt32
    public private(set) var reportBlocks: [RTCPReportBlock]

    public init(ssrc: UInt32, reportBlocks: [RTCPReportBlock]) throws(RTPParseError) {
        guard reportBlocks.count <= 31 else { throw .invalidField("\(reportBlocks.count) report blocks, at most 31") }
        self.ssrc = ssrc
        self.reportBlocks = reportBlocks
    }

    init(count: Int, body reader: inout ByteReader) throws(RTPParseError) {
        ssrc = try reader.readUInt32()
        var blocks: [RTCPReportBlock] = []
        for _ in 0..<count { blocks.append(try RTCPReportBlock(reading: &reader)) }
        reportBlocks = blocks
    }

    public func serialized() -> [UInt8] {
        var bytes = RTCPPacket.header(count: reportBlocks.count, packetType: Self.packetType,
                                      bodyLength: 4 + reportBlocks.count * RTCPReportBlock.size)
        bytes.appendBigEndian(ssrc)
        for block in reportBlocks { block.write(to: &bytes) }
        return bytes
    }
}
