// fuzz-dependencies: TrtcRTP
// trtcd's VP8 receive path (RFC 7741): payload descriptors, frame headers and the depacketizer's reordering and
// reassembly over a stream of packets. The input is a sequence of records, each
// [sequence step][timestamp step][flags][payload length][payload]: the sequence number moves by step − 8 (so
// packets can arrive late or twice), the timestamp by (step − 16) × 3000, flags bit 0 is the marker and bit 1
// switches to another SSRC. No input may trap.
import FuzzSupport
import TrtcRTP

fuzz { bytes in
    var reader = FuzzReader(bytes)
    var depacketizer = VP8Depacketizer(reorderToleranceFrames: 3, reorderTolerancePackets: 10, maximumBufferedPackets: 64)
    var sequence: UInt16 = 65_530
    var timestamp: UInt32 = 0xFFFF_0000
    var ssrc: UInt32 = 0x1234_5678
    while !reader.isAtEnd {
        sequence = sequence &+ UInt16(reader.byte()) &- 8
        timestamp = timestamp &+ UInt32(bitPattern: (Int32(reader.byte()) - 16) * 3000)
        let flags = reader.byte()
        if flags & 2 != 0 { ssrc &+= 1 }
        let payload = reader.chunk()
        if let (_, offset) = try? VP8PayloadDescriptor.parse(payload) {
            _ = try? VP8FrameHeader(parsing: payload[offset...])
        }
        guard let packet = try? RTPPacket(payloadType: 96, marker: flags & 1 != 0, sequenceNumber: sequence,
                                          timestamp: timestamp, ssrc: ssrc, payload: payload)
        else { continue }
        guard let frames = try? depacketizer.insert(packet) else { continue }
        for frame in frames {
            fuzzExpect(!frame.data.isEmpty, "an empty VP8 frame was reassembled")
            if frame.isKeyframe { _ = try? VP8FrameHeader(parsing: frame.data[...]) }
        }
    }
}
