import Testing
@testable import TrtcRTP

/// Inputs the libFuzzer harnesses (Fuzz/Targets, scripts/fuzz) stopped on, kept as tests of what they showed.
@Suite("Fuzz regressions: RTP and RTCP")
struct RTPFuzzRegressionTests {
    /// fuzz-rtcp: a generic NACK whose FCI entries repeat and cross (PID 0 twice, PID 3 inside PID 0's bitmask).
    /// Serializing folds each number into the previous entry where it fits, so the numbers come back in another
    /// order; the set asked for, and both SSRCs, are the same.
    @Test("a generic NACK with repeated, overlapping entries asks for the same numbers after serializing")
    func overlappingNACKEntries() throws {
        let datagram: [UInt8] = [129, 205, 0, 7, 0, 0, 17, 0, 0, 0, 43, 0, 0, 3, 0, 0, 0, 0, 17, 0, 0, 0, 43, 0, 0, 3, 0, 0,
                                 0, 0, 0, 134]
        let packets = try RTCPPacket.parseCompound(datagram)
        guard case .genericNACK(let nack)? = packets.first, packets.count == 1 else {
            Issue.record("not one generic NACK: \(packets)")
            return
        }
        #expect(nack.senderSSRC == 0x1100 && nack.mediaSSRC == 0x2B00)
        #expect(Set(nack.sequenceNumbers) == [0, 2, 3, 8, 9, 10, 12, 13, 14])
        let again = try RTCPPacket.parseCompound(RTCPPacket.serializeCompound(packets))
        guard case .genericNACK(let reparsed)? = again.first, again.count == 1 else {
            Issue.record("serialized NACK does not parse back to one NACK: \(again)")
            return
        }
        #expect(reparsed.senderSSRC == nack.senderSSRC && reparsed.mediaSSRC == nack.mediaSSRC)
        #expect(Set(reparsed.sequenceNumbers) == Set(nack.sequenceNumbers))
    }
}
