import Testing
@testable import TrtcRTP

/// Generic NACK (RFC 4585 §6.2.1) on the wire, and the sender's history that answers it.
@Suite struct RTPRetransmissionTests {
    @Test func nackFoldsNumbersIntoBitmasksAndReadsBack() throws {
        let missing: [UInt16] = [65_530, 65_531, 65_535, 0, 9, 40, 41]  // across the wrap
        let nack = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, sequenceNumbers: missing)
        let bytes = nack.serialized()
        #expect(bytes.count == 4 + 8 + 4 * 2, "65530 covers up to 65546 (= 10); 40 starts a second entry")
        #expect(bytes[0] & 0x1F == 1 && bytes[1] == 205)
        let parsed = try RTCPPacket.parseCompound(bytes)
        #expect(parsed == [.genericNACK(nack)])
        guard case .genericNACK(let read) = parsed.first else { return }
        #expect(read.sequenceNumbers == missing && read.mediaSSRC == 2 && read.senderSSRC == 1)
    }

    @Test func nackWithoutNumbersIsRefused() {
        var bytes = RTCPPacket.header(count: 1, packetType: 205, bodyLength: 8)
        bytes += [0, 0, 0, 1, 0, 0, 0, 2]
        #expect(throws: RTPParseError.self) { try RTCPPacket.parseCompound(bytes) }
    }

    @Test func historyResendsWhatItHoldsALimitedNumberOfTimes() {
        var history = RTPRetransmissionHistory(capacity: 8, maximumResends: 2)
        for number in UInt16(65_530)...UInt16(65_535) { history.store(sequenceNumber: number, datagram: [UInt8(number & 0xFF)]) }
        for number in UInt16(0)...UInt16(3) { history.store(sequenceNumber: number, datagram: [UInt8(number)]) }
        // 10 stored in 8 slots: 65530 and 65531 were overwritten by 2 and 3.
        #expect(history.resend([65_530, 65_532, 3, 4]) == [[0xFC], [3]])
        #expect(history.resend([65_532]) == [[0xFC]])
        #expect(history.resend([65_532]) == [], "at most twice")
    }
}
