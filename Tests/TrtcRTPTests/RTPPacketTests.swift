import Testing
import TrtcMediaTestSupport
@testable import TrtcRTP

@Suite struct RTPPacketTests {
    static func fullPacket() throws -> RTPPacket {
        try RTPPacket(
            payloadType: RTPPayloadType.vp8, marker: true, sequenceNumber: 0xBEEF, timestamp: 0xDEAD_BEEF, ssrc: 0x0102_0304,
            csrcs: [0xAAAA_AAAA, 0xBBBB_BBBB], headerExtension: RTPHeaderExtension(profile: 0xBEDE, data: [0x10, 0xFF, 0, 0]),
            payload: [1, 2, 3, 4, 5], paddingLength: 3)
    }

    @Test func roundTripWithEveryOptionalPart() throws {
        let packet = try Self.fullPacket()
        let bytes = packet.serialized()
        #expect(bytes.count == packet.size)
        #expect(bytes.count == 12 + 8 + 8 + 5 + 3)
        #expect(bytes[0] == 0b1011_0010)  // V=2, P=1, X=1, CC=2
        #expect(bytes[1] == 0x80 | RTPPayloadType.vp8)
        #expect(bytes.last == 3)
        #expect(try RTPPacket(parsing: bytes) == packet)
    }

    @Test func knownBytesParse() throws {
        let bytes: [UInt8] = [0x80, 0x60, 0x00, 0x01, 0x00, 0x00, 0x0B, 0xB8, 0x12, 0x34, 0x56, 0x78, 0xAB]
        let packet = try RTPPacket(parsing: bytes)
        #expect(packet.payloadType == RTPPayloadType.vp8 && !packet.marker && packet.sequenceNumber == 1)
        #expect(packet.timestamp == 3000 && packet.ssrc == 0x1234_5678 && packet.payload == [0xAB])
        #expect(packet.csrcs.isEmpty && packet.headerExtension == nil && packet.paddingLength == 0)
    }

    @Test func everyTruncationThrows() throws {
        let bytes = try Self.fullPacket().serialized()
        // Cutting into the header, CSRCs or extension must throw; cutting the payload removes the padding byte.
        for length in 0..<(12 + 8 + 8) {
            #expect(throws: RTPParseError.self, "length \(length)") { try RTPPacket(parsing: Array(bytes.prefix(length))) }
        }
    }

    @Test func malformedHeadersThrow() throws {
        var bytes = try Self.fullPacket().serialized()
        bytes[0] = (bytes[0] & 0x3F) | 0x40  // version 1
        #expect(throws: RTPParseError.unsupportedVersion(1)) { try RTPPacket(parsing: bytes) }

        var zeroPadding = try Self.fullPacket().serialized()
        zeroPadding[zeroPadding.count - 1] = 0
        #expect(throws: RTPParseError.self) { try RTPPacket(parsing: zeroPadding) }

        var hugePadding = try Self.fullPacket().serialized()
        hugePadding[hugePadding.count - 1] = 200
        #expect(throws: RTPParseError.self) { try RTPPacket(parsing: hugePadding) }

        var hugeExtension = try Self.fullPacket().serialized()
        hugeExtension[12 + 8 + 2] = 0xFF  // extension length in words
        #expect(throws: RTPParseError.self) { try RTPPacket(parsing: hugeExtension) }

        #expect(throws: RTPParseError.self) { try RTPPacket(payloadType: 128, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: []) }
        #expect(throws: RTPParseError.self) {
            try RTPPacket(payloadType: 1, sequenceNumber: 0, timestamp: 0, ssrc: 0, csrcs: Array(repeating: 1, count: 16), payload: [])
        }
        #expect(throws: RTPParseError.self) { try RTPHeaderExtension(profile: 1, data: [1, 2, 3]) }
    }

    @Test func garbageNeverCrashes() throws {
        var generator = SplitMix64(state: 1)
        var parsed = 0
        for _ in 0..<5000 {
            var bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if !bytes.isEmpty, Bool.random(using: &generator) { bytes[0] = 0x80 | (bytes[0] & 0x3F) }
            if let packet = try? RTPPacket(parsing: bytes) {
                parsed += 1
                // Whatever parses re-serializes to the same bytes.
                #expect(packet.serialized() == bytes || packet.paddingLength > 0)
            }
            _ = try? RTCPPacket.parseCompound(bytes)
            _ = try? VP8PayloadDescriptor.parse(bytes)
            var depacketizer = VP8Depacketizer()
            if let packet = try? RTPPacket(parsing: bytes) { _ = try? depacketizer.insert(packet) }
        }
        #expect(parsed > 0)
    }

    @Test func sequencerStampsAndCounts() throws {
        var sequencer = try RTPSequencer(ssrc: 5, payloadType: RTPPayloadType.vp8, clockRate: 90_000, initialSequenceNumber: 65_535, timestampOffset: 1000)
        #expect(sequencer.rtpTimestamp(for: .seconds(1)) == 91_000)
        #expect(sequencer.rtpTimestamp(for: .milliseconds(1000) / 30) == 4000)
        let first = sequencer.makePacket(payload: [1, 2, 3], rtpTimestamp: 7, marker: false)
        let second = sequencer.makePacket(payload: [4], rtpTimestamp: 8, marker: true)
        #expect(first.sequenceNumber == 65_535 && second.sequenceNumber == 0)
        #expect(sequencer.packetCount == 2 && sequencer.octetCount == 4)
        #expect(sequencer.lastTimestamp == 8)
        // Defaults are random.
        let a = try RTPSequencer(payloadType: RTPPayloadType.vp8, clockRate: 90_000)
        let b = try RTPSequencer(payloadType: RTPPayloadType.vp8, clockRate: 90_000)
        #expect(a.ssrc != b.ssrc || a.timestampOffset != b.timestampOffset || a.nextSequenceNumber != b.nextSequenceNumber)
        #expect(throws: RTPParseError.self) { try RTPSequencer(payloadType: 200, clockRate: 90_000) }
    }

    @Test func vp8DescriptorRoundTrips() throws {
        let descriptors = [
            VP8PayloadDescriptor(isStartOfPartition: true),
            VP8PayloadDescriptor(isNonReference: true, isStartOfPartition: false, partitionIndex: 3, pictureID: 0x1234),
            VP8PayloadDescriptor(isStartOfPartition: true, pictureID: 0x55, hasLongPictureID: false),
            VP8PayloadDescriptor(isStartOfPartition: true, pictureID: 0x7FFF, tl0PictureIndex: 9, temporalLayerIndex: 2, isLayerSync: true, keyIndex: 17),
        ]
        for descriptor in descriptors {
            let bytes = descriptor.serialized() + [0x9D]
            #expect(bytes.count == descriptor.size + 1)
            let (parsed, offset) = try VP8PayloadDescriptor.parse(bytes)
            #expect(parsed == descriptor)
            #expect(offset == descriptor.size)
            // Descriptor alone, or any part of it: no VP8 data, must throw.
            for length in 0..<bytes.count {
                #expect(throws: RTPParseError.self) { try VP8PayloadDescriptor.parse(Array(bytes.prefix(length))) }
            }
        }
        // RFC 7741 example layout: X=1 S=1, I=1, M=1 PictureID 0x1234.
        #expect(VP8PayloadDescriptor(isStartOfPartition: true, pictureID: 0x1234).serialized() == [0x90, 0x80, 0x92, 0x34])
    }

    @Test func packetizerRespectsSmallerLimitsAndRejectsTinyOnes() throws {
        var packetizer = try VP8Packetizer(maximumPacketSize: 100)
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        let packets = packetizer.packetize(data, rtpTimestamp: 1)
        #expect(packets.allSatisfy { $0.size <= 100 })
        #expect(packets.count == 12)  // 1000 / 84 bytes of data per packet, spread evenly
        let sizes = packets.map(\.payload.count)
        #expect(sizes.max()! - sizes.min()! <= 1)
        #expect(packets.flatMap { $0.payload.dropFirst(4) } == data)
        #expect(packetizer.packetize([], rtpTimestamp: 2).isEmpty)
        #expect(throws: RTPParseError.self) { try VP8Packetizer(maximumPacketSize: 16) }
    }

    @Test func rtcpDemultiplexing() throws {
        let rtp = try Self.fullPacket().serialized()
        let pli = RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2).serialized()
        #expect(!RTCPPacket.isRTCP(rtp))
        #expect(RTCPPacket.isRTCP(pli))
        #expect(!RTCPPacket.isRTCP([0x80]))
    }
}
