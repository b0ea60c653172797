// trtcd's Opus receive path (RFC 7587): the depacketizer's loss, duplicate and restart accounting over a stream of
// packets. The input is a sequence of records, each [sequence step][flags][payload length][payload]: the sequence
// number moves by step − 8 (late and duplicate packets), flags bit 0 is the marker (talkspurt), bit 1 switches to
// another SSRC, bit 2 jumps the sequence number by 30 000. No input may trap.
import FuzzSupport
import TrtcRTP

fuzz { bytes in
    var reader = FuzzReader(bytes)
    var depacketizer = OpusRTPDepacketizer(maximumGap: 100)
    var sequence: UInt16 = 65_530
    var timestamp: UInt32 = 0xFFFF_F000
    var ssrc: UInt32 = 0x0BAD_F00D
    while !reader.isAtEnd {
        sequence = sequence &+ UInt16(reader.byte()) &- 8
        let flags = reader.byte()
        if flags & 2 != 0 { ssrc &+= 1 }
        if flags & 4 != 0 { sequence &+= 30_000 }
        timestamp &+= 960
        let payload = reader.chunk()
        guard let packet = try? RTPPacket(payloadType: 111, marker: flags & 1 != 0, sequenceNumber: sequence,
                                          timestamp: timestamp, ssrc: ssrc, payload: payload)
        else { continue }
        if let output = try? depacketizer.receive(packet) {
            fuzzExpect(output.lostPacketsBefore >= 0, "negative loss count \(output.lostPacketsBefore)")
            fuzzExpect(output.payload == payload, "the payload to decode is not the packet's")
        }
        fuzzExpect(depacketizer.packetsLost >= 0, "negative total loss \(depacketizer.packetsLost)")
    }
}
