// trtcd's VP8 receive path (RFC 7741): payload descriptors, frame headers, the depacketizer's reordering and
// reassembly, and the video jitter buffer (assembly, decodability, NACK/PLI, timing) over a stream of packets. The
// input is a sequence of records, each [sequence step][timestamp step][flags][payload length][payload]: the sequence
// number moves by step − 8 (so packets can arrive late or twice), the timestamp by (step − 16) × 3000, flags bit 0 is
// the marker, bit 1 switches to another SSRC, bits 2–7 advance the arrival clock by that many ms. No input may trap;
// the jitter buffer never hands out a delta frame before a key frame of the same stream, nor an empty frame.
import FuzzSupport
import TrtcRTP

fuzz { bytes in
    var reader = FuzzReader(bytes)
    var depacketizer = VP8Depacketizer(reorderToleranceFrames: 3, reorderTolerancePackets: 10, maximumBufferedPackets: 64)
    var sequence: UInt16 = 65_530
    var timestamp: UInt32 = 0xFFFF_0000
    var ssrc: UInt32 = 0x1234_5678
    var configuration = VideoJitterBuffer.Configuration()
    configuration.packetCapacity = 64
    configuration.maximumPendingFrames = 16
    var buffer = VideoJitterBuffer(configuration: configuration)
    var clock = Duration.zero
    var keyframeShown = false
    func check(_ actions: VideoJitterBuffer.Actions) {
        for frame in actions.frames {
            fuzzExpect(!frame.data.isEmpty, "the jitter buffer handed out an empty frame")
            if frame.isKeyframe { keyframeShown = true }
            fuzzExpect(keyframeShown, "the jitter buffer handed out a delta frame before a key frame")
        }
        fuzzExpect(actions.nextPoll.map { $0 > clock } ?? true, "the jitter buffer asked to be polled now or in the past")
    }
    while !reader.isAtEnd {
        sequence = sequence &+ UInt16(reader.byte()) &- 8
        timestamp = timestamp &+ UInt32(bitPattern: (Int32(reader.byte()) - 16) * 3000)
        let flags = reader.byte()
        if flags & 2 != 0 {
            ssrc &+= 1
            keyframeShown = false
        }
        clock += .milliseconds(Int(flags >> 2))
        let payload = reader.chunk()
        if let (_, offset) = try? VP8PayloadDescriptor.parse(payload) {
            _ = try? VP8FrameHeader(parsing: payload[offset...])
        }
        guard let packet = try? RTPPacket(payloadType: 96, marker: flags & 1 != 0, sequenceNumber: sequence,
                                          timestamp: timestamp, ssrc: ssrc, payload: payload)
        else { continue }
        if let actions = try? buffer.insert(packet, arrival: clock, roundTrip: .milliseconds(20)) { check(actions) }
        check(buffer.poll(now: clock, roundTrip: nil))
        guard let frames = try? depacketizer.insert(packet) else { continue }
        for frame in frames {
            fuzzExpect(!frame.data.isEmpty, "an empty VP8 frame was reassembled")
            if frame.isKeyframe { _ = try? VP8FrameHeader(parsing: frame.data[...]) }
        }
    }
}
