import Testing
@testable import TrtcRTP

/// The transport-wide sequence number extension and feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01).
@Suite struct TransportFeedbackTests {
    @Test func extensionAddedToAPacketWithoutOne() throws {
        let packet = try RTPPacket(payloadType: 96, marker: true, sequenceNumber: 7, timestamp: 9, ssrc: 0x0102_0304, payload: [0xAA, 0xBB])
        let bytes = try #require(TransportWideSequenceNumber.adding(0x1234, to: packet.serialized()))
        // X bit, then the one-byte form: 0xBEDE, one word, ID 3 / L 1, the number, one byte of padding.
        #expect(bytes[0] == 0x90)
        #expect(Array(bytes[12..<20]) == [0xBE, 0xDE, 0x00, 0x01, 0x31, 0x12, 0x34, 0x00])
        #expect(Array(bytes[20...]) == [0xAA, 0xBB])
        let parsed = try RTPPacket(parsing: bytes)
        #expect(parsed.payload == [0xAA, 0xBB] && parsed.sequenceNumber == 7 && parsed.marker)
        #expect(TransportWideSequenceNumber.read(from: bytes) == 0x1234)
        #expect(TransportWideSequenceNumber.read(from: packet.serialized()) == nil)
        #expect(TransportWideSequenceNumber.read(id: 4, from: bytes) == nil)
    }

    @Test func extensionAppendedToAnExistingOneByteBlock() throws {
        // An element ID 1 of two bytes (L=1) already present, then padding.
        let existing = try RTPHeaderExtension(profile: 0xBEDE, data: [0x11, 0x55, 0x66, 0x00])
        let packet = try RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, headerExtension: existing, payload: [1, 2, 3])
        let bytes = try #require(TransportWideSequenceNumber.adding(0xFFFE, to: packet.serialized()))
        let parsed = try RTPPacket(parsing: bytes)
        #expect(parsed.headerExtension?.data == [0x11, 0x55, 0x66, 0x31, 0xFF, 0xFE, 0x00, 0x00])
        #expect(parsed.payload == [1, 2, 3])
        #expect(TransportWideSequenceNumber.read(from: bytes) == 0xFFFE)
        // Another profile is left alone.
        let twoByte = try RTPHeaderExtension(profile: 0x1000, data: [3, 2, 0xAB, 0xCD])
        let other = try RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, headerExtension: twoByte, payload: [1])
        #expect(TransportWideSequenceNumber.adding(1, to: other.serialized()) == nil)
        #expect(TransportWideSequenceNumber.read(from: other.serialized()) == 0xABCD)
    }

    @Test func feedbackLayoutWithATwoBitVector() throws {
        let feedback = try RTCPTransportFeedback(
            senderSSRC: 0x0A0B_0C0D, mediaSSRC: 0x0102_0304, baseSequenceNumber: 5, referenceTime: 0x000102,
            feedbackPacketCount: 7, receiveDeltas: [4, nil, 300, 0])
        let bytes = feedback.serialized()
        #expect(bytes == [
            0xAF, 0xCD, 0x00, 0x06,  // V=2, P, FMT=15, PT=205, 7 words
            0x0A, 0x0B, 0x0C, 0x0D, 0x01, 0x02, 0x03, 0x04,
            0x00, 0x05, 0x00, 0x04,  // base sequence number, packet status count
            0x00, 0x01, 0x02, 0x07,  // reference time, feedback packet count
            0xD2, 0x40,  // two-bit vector: small, not received, large, small
            0x04, 0x01, 0x2C, 0x00,  // receive deltas
            0x00, 0x02,  // RTCP padding
        ])
        #expect(try RTCPPacket.parseCompound(bytes) == [.transportFeedback(feedback)])
        let arrivals = feedback.arrivals
        #expect(arrivals.map(\.sequenceNumber) == [5, 6, 7, 8])
        #expect(arrivals[0].arrival == .milliseconds(258 * 64 + 1))
        #expect(arrivals[1].arrival == nil)
        #expect(arrivals[2].arrival == .milliseconds(258 * 64 + 1 + 75))
    }

    @Test func feedbackLayoutWithRunLengthAndOneBitChunks() throws {
        // 21 received with small deltas (a run), then 0 1 0 1 (a one-bit vector), across a sequence number wrap.
        let deltas: [Int16?] = Array(repeating: 1, count: 20) + [2, nil, 3, nil, 4]
        let feedback = try RTCPTransportFeedback(
            senderSSRC: 1, mediaSSRC: 2, baseSequenceNumber: 0xFFF0, referenceTime: -2, feedbackPacketCount: 255, receiveDeltas: deltas)
        let bytes = feedback.serialized()
        #expect(Array(bytes[16..<20]) == [0xFF, 0xFF, 0xFE, 0xFF])  // -2 in 24 bits, count 255
        #expect(Array(bytes[20..<24]) == [0x20, 0x15, 0x94, 0x00])  // run of 21 × symbol 1; one-bit vector 0101
        let parsed = try RTCPPacket.parseCompound(bytes)
        #expect(parsed == [.transportFeedback(feedback)])
        guard case .transportFeedback(let read)? = parsed.first else { return }
        #expect(read.referenceTime == -2 && read.arrivals.last?.sequenceNumber == 0xFFF0 &+ 24)
    }

    @Test func malformedFeedbackThrows() {
        // Status count 3 but no chunk.
        let short: [UInt8] = [0x8F, 0xCD, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0]
        #expect(throws: RTPParseError.self) { try RTCPPacket.parseCompound(short) }
        // A run-length chunk of symbol 3 (reserved).
        let reserved: [UInt8] = [0x8F, 0xCD, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x01, 0, 0]
        #expect(throws: RTPParseError.self) { try RTCPPacket.parseCompound(reserved) }
    }

    @Test func generatorReportsArrivalsAndLosses() throws {
        var generator = TransportFeedbackGenerator()
        let start = Duration.seconds(100)
        // 0xFFFE … 0x0004 with 0x0001 lost, one every 2 ms.
        var sequence: UInt16 = 0xFFFE
        for index in 0..<7 {
            if sequence != 1 { generator.record(sequence, arrival: start + .milliseconds(2 * index)) }
            sequence &+= 1
        }
        let feedback = generator.tick(now: start + .milliseconds(20), senderSSRC: 0, mediaSSRC: 9)
        #expect(feedback.count == 1)
        let arrivals = try #require(feedback.first).arrivals
        #expect(arrivals.map(\.sequenceNumber) == [0xFFFE, 0xFFFF, 0, 1, 2, 3, 4])
        #expect(arrivals.map { $0.arrival == nil } == [false, false, false, true, false, false, false])
        let times = arrivals.compactMap(\.arrival)
        #expect(times.last! - times.first! == .milliseconds(12))
        // Nothing new: nothing sent; within 50 ms of the last feedback: nothing sent.
        #expect(generator.tick(now: start + .milliseconds(30), senderSSRC: 0, mediaSSRC: 9).isEmpty)
        generator.record(5, arrival: start + .milliseconds(35))
        #expect(generator.tick(now: start + .milliseconds(40), senderSSRC: 0, mediaSSRC: 9).isEmpty)
        let next = generator.tick(now: start + .milliseconds(70), senderSSRC: 0, mediaSSRC: 9)
        #expect(next.first?.baseSequenceNumber == 5 && next.first?.feedbackPacketCount == 1)
        // A gap longer than a 16-bit delta (8 s) starts a second packet.
        generator.record(6, arrival: start + .milliseconds(200))
        generator.record(7, arrival: start + .seconds(10))
        let split = generator.tick(now: start + .seconds(11), senderSSRC: 0, mediaSSRC: 9)
        #expect(split.map(\.baseSequenceNumber) == [6, 7])
        // A loss right after the last reported number is reported too (the feedback starts with it).
        generator.record(9, arrival: start + .seconds(12))
        let leading = generator.tick(now: start + .seconds(13), senderSSRC: 0, mediaSSRC: 9)
        #expect(leading.first?.baseSequenceNumber == 8)
        #expect(leading.first.map { $0.arrivals.map { $0.arrival == nil } } == [true, false])
    }
}
