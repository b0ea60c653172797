import Testing
@testable import TrtcRTP

@Suite struct RTCPTests {
    static let block = RTCPReportBlock(
        ssrc: 0x1111_2222, fractionLost: 25, cumulativeLost: -3, extendedHighestSequenceNumber: 0x0001_0005,
        interarrivalJitter: 42, lastSenderReport: 0x1234_5678, delaySinceLastSenderReport: 65_536)

    @Test func senderReportRoundTripAndLayout() throws {
        let report = try RTCPSenderReport(
            ssrc: 0xCAFE_BABE, ntpTimestamp: NTPTimestamp(seconds: 0xE000_0001, fraction: 0x8000_0000),
            rtpTimestamp: 123_456, packetCount: 10, octetCount: 9000, reportBlocks: [Self.block])
        let bytes = report.serialized()
        #expect(bytes.count == 28 + 24)
        #expect(bytes[0] == 0x81 && bytes[1] == 200)
        #expect(bytes[2] == 0 && bytes[3] == 12)  // length in words minus one
        #expect(try RTCPPacket.parseCompound(bytes) == [.senderReport(report)])
    }

    @Test func senderReportFromSequencer() throws {
        var sequencer = try RTPSequencer(ssrc: 77, payloadType: RTPPayloadType.vp8, clockRate: 90_000)
        for _ in 0..<3 { _ = sequencer.makePacket(payload: [1, 2, 3, 4, 5], rtpTimestamp: 0, marker: true) }
        let now = NTPTimestamp.now()
        let report = RTCPSenderReport(sequencer: sequencer, time: now, rtpTimestamp: 99)
        #expect(report.packetCount == 3 && report.octetCount == 15 && report.ssrc == 77)
        // The NTP clock is right: within a minute of 2026 ± years, and converts back.
        #expect(now.seconds > 3_900_000_000)
        let back = NTPTimestamp(sinceUnixEpoch: now.sinceUnixEpoch)
        #expect(back.seconds == now.seconds && (Int64(back.fraction) - Int64(now.fraction)).magnitude < 10)
        #expect(NTPTimestamp(seconds: 0x0001_0002, fraction: 0x0003_0004).compact == 0x0002_0003)
    }

    @Test func compoundReceiverReportAndPLI() throws {
        let receiver = try RTCPReceiverReport(ssrc: 5, reportBlocks: [Self.block, RTCPReportBlock(ssrc: 6)])
        let pli = RTCPPictureLossIndication(senderSSRC: 5, mediaSSRC: 0x1234_5678)
        let bye = RTCPPacket.other(packetType: 203, count: 1, body: [0, 0, 0, 5])
        let compound = RTCPPacket.serializeCompound([.receiverReport(receiver), .pictureLossIndication(pli), bye])
        let parsed = try RTCPPacket.parseCompound(compound)
        #expect(parsed == [.receiverReport(receiver), .pictureLossIndication(pli), bye])
        #expect(pli.serialized() == [0x81, 206, 0, 2, 0, 0, 0, 5, 0x12, 0x34, 0x56, 0x78])
        guard case .receiverReport(let report) = parsed[0] else { Issue.record("not an RR"); return }
        #expect(report.reportBlocks[0].cumulativeLost == -3)
        #expect(report.reportBlocks[0].fractionLost == 25)
    }

    @Test func paddedUnknownPacketsSurvive() throws {
        let sdes = RTCPPacket.other(packetType: 202, count: 1, body: [0, 0, 0, 1, 1, 3, 0x61, 0x62, 0x63])
        let bytes = sdes.serialized()
        #expect(bytes.count % 4 == 0)
        #expect(bytes[0] & 0x20 != 0)
        #expect(try RTCPPacket.parseCompound(bytes) == [sdes])
    }

    @Test func truncatedAndMalformedThrow() throws {
        let report = try RTCPSenderReport(
            ssrc: 1, ntpTimestamp: NTPTimestamp(seconds: 2, fraction: 3), rtpTimestamp: 4, packetCount: 5, octetCount: 6,
            reportBlocks: [Self.block])
        let bytes = report.serialized()
        for length in 0..<bytes.count {
            #expect(throws: RTPParseError.self, "length \(length)") { try RTCPPacket.parseCompound(Array(bytes.prefix(length))) }
        }
        // Claims two report blocks but carries one.
        var lying = bytes
        lying[0] = 0x82
        #expect(throws: RTPParseError.self) { try RTCPPacket.parseCompound(lying) }
        // PLI with no SSRCs.
        #expect(throws: RTPParseError.self) { try RTCPPacket.parseCompound([0x81, 206, 0, 0]) }
        // Version 0.
        #expect(throws: RTPParseError.unsupportedVersion(0)) { try RTCPPacket.parseCompound([0x01, 201, 0, 1, 0, 0, 0, 0]) }
        // Padding larger than the packet.
        #expect(throws: RTPParseError.self) { try RTCPPacket.parseCompound([0xA0, 201, 0, 1, 0, 0, 0, 9]) }
        // A good packet followed by a torn one.
        #expect(throws: RTPParseError.self) { try RTCPPacket.parseCompound(bytes + [0x81, 200]) }
        #expect(throws: RTPParseError.self) {
            try RTCPReceiverReport(ssrc: 1, reportBlocks: Array(repeating: Self.block, count: 32))
        }
    }

    @Test("REMB: serialized as draft-alvestrand-rmcat-remb-03 says (exponent and 18-bit mantissa), parsed back; other application feedback stays other")
    func receiverEstimatedMaximumBitrate() throws {
        let remb = RTCPReceiverEstimatedMaximumBitrate(senderSSRC: 1, bitrate: 1_000_000, ssrcs: [0x1234_5678])
        // 1,000,000 = 250,000 << 2: count 1, exponent 2, mantissa 0x3D090.
        #expect(remb.serialized() == [0x8F, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 0x52, 0x45, 0x4D, 0x42,
                                      1, 0x0B, 0xD0, 0x90, 0x12, 0x34, 0x56, 0x78])
        #expect(remb.bitrate == 1_000_000)
        #expect(try RTCPPacket.parseCompound(remb.serialized()) == [.receiverEstimatedMaximumBitrate(remb)])
        #expect(RTCPReceiverEstimatedMaximumBitrate(senderSSRC: 1, bitrate: 262_143, ssrcs: []).bitrate == 262_143)
        #expect(RTCPReceiverEstimatedMaximumBitrate(senderSSRC: 1, bitrate: 262_145, ssrcs: []).bitrate == 262_144, "rounded down")
        // An exponent that overflows 64 bits reads as the largest writable bitrate, and is written back as read.
        var huge = remb.serialized()
        huge[17] = 0xF9
        guard case .receiverEstimatedMaximumBitrate(let read)? = try RTCPPacket.parseCompound(huge).first else {
            Issue.record("not REMB")
            return
        }
        #expect(read.bitrate == 0x3FFFF << 46)
        #expect(try RTCPPacket.parseCompound(read.serialized()) == [.receiverEstimatedMaximumBitrate(read)])
        // Application layer feedback that is not REMB, and a REMB whose SSRC list is cut short.
        let other = RTCPPacket.other(packetType: 206, count: 15, body: [0, 0, 0, 1, 0, 0, 0, 0, 0x41, 0x42, 0x43, 0x44])
        #expect(try RTCPPacket.parseCompound(other.serialized()) == [other])
        var short = remb.serialized()
        short[16] = 2
        #expect(throws: RTPParseError.self) { try RTCPPacket.parseCompound(short) }
    }
}
