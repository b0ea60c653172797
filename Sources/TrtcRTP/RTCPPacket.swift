/// One packet of an RTCP compound packet. Types this layer does not interpret (SDES, BYE,
/// other feedback) are kept as `.other` so they can be forwarded or ignored.
public enum RTCPPacket: Sendable, Equatable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case pictureLossIndication(RTCPPictureLossIndication)
    case genericNACK(RTCPGenericNACK)
    case transportFeedback(RTCPTransportFeedback)
    case receiverEstimatedMaximumBitrate(RTCPReceiverEstimatedMaximumBitrate)
    /// Packet type, the 5-bit count/FMT field, and the body after the 4-byte header (padding removed).
    case other(packetType: UInt8, count: UInt8, body: [UInt8])

    /// Parses a compound packet (one UDP datagram of RTCP). Any malformed part makes the whole throw.
    public static func parseCompound(_ bytes: [UInt8]) throws(RTPParseError) -> [RTCPPacket] {
        guard !bytes.isEmpty else { throw .truncated(what: "RTCP packet", needed: 4, available: 0) }
        var packets: [RTCPPacket] = []
        var offset = 0
        while offset < bytes.count {
            var header = ByteReader(bytes, range: offset..<bytes.count, context: "RTCP header")
            let first = try header.readUInt8()
            guard first >> 6 == 2 else { throw .unsupportedVersion(first >> 6) }
            let count = first & 0x1F
            let packetType = try header.readUInt8()
            let length = (Int(try header.readUInt16()) + 1) * 4
            guard length <= bytes.count - offset else {
                throw .truncated(what: "RTCP packet of type \(packetType)", needed: length, available: bytes.count - offset)
            }
            var bodyEnd = offset + length
            if first & 0x20 != 0 {
                let padding = Int(bytes[bodyEnd - 1])
                guard padding >= 1, padding <= length - 4 else {
                    throw .invalidPadding("RTCP padding \(padding) in a packet of \(length) bytes")
                }
                bodyEnd -= padding
            }
            var body = ByteReader(bytes, range: offset + 4..<bodyEnd, context: "RTCP packet of type \(packetType)")
            switch packetType {
            case RTCPSenderReport.packetType:
                packets.append(.senderReport(try RTCPSenderReport(count: Int(count), body: &body)))
            case RTCPReceiverReport.packetType:
                packets.append(.receiverReport(try RTCPReceiverReport(count: Int(count), body: &body)))
            case RTCPPictureLossIndication.packetType where count == RTCPPictureLossIndication.feedbackMessageType:
                packets.append(.pictureLossIndication(RTCPPictureLossIndication(
                    senderSSRC: try body.readUInt32(), mediaSSRC: try body.readUInt32())))
            case RTCPGenericNACK.packetType where count == RTCPGenericNACK.feedbackMessageType:
                packets.append(.genericNACK(try RTCPGenericNACK(body: &body)))
            case RTCPTransportFeedback.packetType where count == RTCPTransportFeedback.feedbackMessageType:
                packets.append(.transportFeedback(try RTCPTransportFeedback(body: &body)))
            case RTCPReceiverEstimatedMaximumBitrate.packetType
            where count == RTCPReceiverEstimatedMaximumBitrate.feedbackMessageType
                && RTCPReceiverEstimatedMaximumBitrate.isREMB(bytes, body: offset + 4..<bodyEnd):
                packets.append(.receiverEstimatedMaximumBitrate(try RTCPReceiverEstimatedMaximumBitrate(body: &body)))
            default:
                packets.append(.other(packetType: packetType, count: count, body: Array(bytes[offset + 4..<bodyEnd])))
            }
            offset += length
        }
        return packets
    }

    /// RTP and RTCP sharing one port (RFC 5761 §4): a version 2 packet whose second byte is an RTCP packet type.
    public static func isRTCP(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] >> 6 == 2 && RTCPHeaderView.isRTCPPacketType(bytes[1])
    }

    public func serialized() -> [UInt8] {
        switch self {
        case .senderReport(let report): report.serialized()
        case .receiverReport(let report): report.serialized()
        case .pictureLossIndication(let pli): pli.serialized()
        case .genericNACK(let nack): nack.serialized()
        case .transportFeedback(let feedback): feedback.serialized()
        case .receiverEstimatedMaximumBitrate(let remb): remb.serialized()
        case .other(let packetType, let count, let body):
            // Pad an odd-sized body to whole words, with the RTCP padding bit.
            Self.padded(packetType: packetType, count: count, body: body)
        }
    }

    public static func serializeCompound(_ packets: [RTCPPacket]) -> [UInt8] {
        packets.flatMap { $0.serialized() }
    }

    static func header(count: Int, packetType: UInt8, bodyLength: Int) -> [UInt8] {
        var bytes: [UInt8] = [2 << 6 | UInt8(count & 0x1F), packetType]
        bytes.reserveCapacity(4 + bodyLength)
        bytes.appendBigEndian(UInt16((4 + bodyLength) / 4 - 1))
        return bytes
    }

    /// One RTCP packet around `body`, padded to whole 32-bit words (RFC 3550 §6.4.1: the P bit, the last byte says
    /// how many), as libwebrtc writes it.
    static func padded(packetType: UInt8, count: UInt8, body: [UInt8]) -> [UInt8] {
        let padding = (4 - body.count % 4) % 4
        var bytes = header(count: Int(count), packetType: packetType, bodyLength: body.count + padding)
        if padding > 0 { bytes[0] |= 0x20 }
        bytes.append(contentsOf: body)
        if padding > 0 {
            bytes.append(contentsOf: repeatElement(0, count: padding - 1))
            bytes.append(UInt8(padding))
        }
        return bytes
    }
}
