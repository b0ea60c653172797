import Testing
@testable import TrtcNetLab

/// `RTPDeliveryLedger`: what a relay delivered, per RTP stream, from headers alone.
struct RTPDeliveryLedgerTests {
    static func rtp(ssrc: UInt32 = 0x1122_3344, payloadType: UInt8 = 96, sequence: UInt16, marker: Bool = false) -> [UInt8] {
        [0x80, payloadType | (marker ? 0x80 : 0), UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0, 1,
         UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xFF), UInt8(ssrc >> 8 & 0xFF), UInt8(ssrc & 0xFF), 0x10, 0x20]
    }

    @Test("holes, late repairs and duplicates: missing counts only what never arrived")
    func holesAndRepairs() {
        var ledger = RTPDeliveryLedger()
        for sequence: UInt16 in [10, 11, 13, 14, 16, 12, 12, 17] { ledger.record(Self.rtp(sequence: sequence)) }
        let stream = ledger[0x1122_3344]
        #expect(stream?.expected == 8)  // 10…17
        #expect(stream?.distinct == 7)
        #expect(stream?.missing == 1)  // 15
        #expect(stream?.duplicates == 1)
        #expect(stream?.payloadType == 96)
    }

    @Test("sequence numbers wrap around 65535 → 0")
    func wrapAround() {
        var ledger = RTPDeliveryLedger()
        for sequence: UInt16 in [65_533, 65_534, 0, 1, 65_535] { ledger.record(Self.rtp(sequence: sequence, marker: true)) }
        #expect(ledger.all.first?.expected == 5)
        #expect(ledger.all.first?.missing == 0)
    }

    @Test("RTCP (payload types 64…95 with the marker bit: packet types 200…207), STUN, DTLS and short datagrams are not RTP")
    func notRTP() {
        var ledger = RTPDeliveryLedger()
        ledger.record([0x80, 200, 0, 6] + [UInt8](repeating: 0, count: 24))  // sender report
        ledger.record([0x81, 205, 0, 3] + [UInt8](repeating: 0, count: 12))  // NACK
        ledger.record([0x00, 0x01, 0x00, 0x00] + [UInt8](repeating: 0, count: 16))  // STUN binding request
        ledger.record([22, 0xFE, 0xFD] + [UInt8](repeating: 0, count: 20))  // DTLS handshake
        ledger.record([0x80, 96, 0, 1])
        #expect(ledger.all.isEmpty)
        ledger.record(Self.rtp(ssrc: 7, payloadType: 111, sequence: 1))
        ledger.record(Self.rtp(ssrc: 8, sequence: 1))
        #expect(ledger.all.map(\.ssrc) == [7, 8])
        #expect(ledger[7]?.payloadType == 111)
    }
}
