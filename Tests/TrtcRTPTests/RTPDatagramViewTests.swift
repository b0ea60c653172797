import Testing
import TrtcRTP

/// The in-place header views read what `RTPPacket`/`RTCPPacket` write, and refuse what does not add up. (The framing
/// cases a router meets are in TrtcServerTests' MediaDatagramTests, through the server's classifier.)
@Suite struct RTPDatagramViewTests {
    static func view(_ bytes: [UInt8], _ read: (RTPDatagramView?) -> Void) {
        bytes.withUnsafeBytes { read(RTPDatagramView($0)) }
    }

    @Test func readsTheRTPHeaderFields() throws {
        let packet = try RTPPacket(
            payloadType: RTPPayloadType.opus, marker: true, sequenceNumber: 0xBEEF, timestamp: 0xDEAD_BEEF, ssrc: 0x0102_0304,
            csrcs: [9], headerExtension: try RTPHeaderExtension(profile: 0xBEDE, data: [1, 2, 3, 4]), payload: [7, 7], paddingLength: 2)
        Self.view(packet.serialized()) { view in
            guard case .rtp(let header) = view else {
                Issue.record("not RTP: \(String(describing: view))")
                return
            }
            #expect(header.version == 2 && header.marker && header.payloadType == RTPPayloadType.opus)
            #expect(header.sequenceNumber == 0xBEEF && header.timestamp == 0xDEAD_BEEF && header.ssrc == 0x0102_0304)
            #expect(header.headerSize == packet.headerSize)
        }
    }

    @Test func readsTheFirstRTCPPacketsHeader() throws {
        let compound = RTCPPacket.serializeCompound([
            .genericNACK(RTCPGenericNACK(senderSSRC: 0xCAFE_BABE, mediaSSRC: 2, sequenceNumbers: [5])),
            .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2)),
        ])
        Self.view(compound) { view in
            guard case .rtcp(let header) = view else {
                Issue.record("not RTCP: \(String(describing: view))")
                return
            }
            #expect(header.version == 2 && header.packetType == RTCPGenericNACK.packetType)
            #expect(header.count == RTCPGenericNACK.feedbackMessageType && header.length == 16)
            #expect(header.senderSSRC == 0xCAFE_BABE)
        }
    }

    @Test func secondByteDecidesBetweenRTPAndRTCP() throws {
        // RTP payload type 127 with the marker bit is 0xFF; 64…95 with the marker bit would be RTCP (RFC 5761 §4).
        for (payloadType, marker, isRTCP) in [(UInt8(127), true, false), (71, true, true), (71, false, false), (96, true, false)] {
            let bytes = try RTPPacket(payloadType: payloadType, marker: marker, sequenceNumber: 1, timestamp: 2, ssrc: 3,
                                      payload: [0, 0, 0, 0]).serialized()
            #expect(RTCPHeaderView.isRTCPPacketType(bytes[1]) == isRTCP, "PT \(payloadType) marker \(marker)")
            #expect(RTCPPacket.isRTCP(bytes) == isRTCP)
        }
    }

    @Test func inconsistentFramingHasNoView() throws {
        let rtp = try RTPPacket(payloadType: RTPPayloadType.vp8, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrcs: [4],
                                headerExtension: try RTPHeaderExtension(profile: 1, data: [0, 0, 0, 0]), payload: [1]).serialized()
        let rtcp = RTCPPacket.serializeCompound([.receiverReport(try RTCPReceiverReport(ssrc: 77, reportBlocks: []))])
        var cases: [[UInt8]] = [[], [0x80, 0xC9, 0]]
        cases += (0..<rtp.count - 1).map { Array(rtp.prefix($0)) }
        cases += (0..<rtcp.count).map { Array(rtcp.prefix($0)) }
        var versionOne = rtp
        versionOne[0] = 0x40 | (rtp[0] & 0x3F)
        cases.append(versionOne)
        var longReport = rtcp
        longReport[3] = 9  // claims 40 bytes
        cases.append(longReport)
        for bytes in cases {
            Self.view(bytes) { view in #expect(view == nil, "\(bytes)") }
        }
    }
}
