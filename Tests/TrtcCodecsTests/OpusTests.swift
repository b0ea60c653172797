import Testing
@testable import TrtcCodecs
import TrtcMediaTestSupport
import TrtcRTP

@Suite struct OpusTests {
    @Test func sineSurvivesEncodeRTPAndDecode() throws {
        let encoder = try OpusEncoder()
        let decoder = try OpusDecoder()
        var packetizer = try OpusRTPPacketizer(ssrc: 99, initialSequenceNumber: 65_500, timestampOffset: UInt32.max - 4800)
        var depacketizer = OpusRTPDepacketizer()
        var framer = AudioFramer<Float>()
        // Capture hands out odd-sized buffers; the framer cuts exact 20 ms frames.
        let tone = Tone.sine(frequency: 440, count: 48_000)
        var decoded: [Float] = []
        var offset = 0
        var previousTimestamp: UInt32?
        for chunk in [441, 1000, 17, 2048, 960, 333].cycled(until: tone.count) {
            let end = min(offset + chunk, tone.count)
            for frame in framer.append(contentsOf: tone[offset..<end]) {
                let encoded = try encoder.encode(frame)
                #expect(!encoded.isSilence)
                let maybePacket = packetizer.packetize(encoded)
                let packet = try #require(maybePacket)
                #expect(packet.payloadType == RTPPayloadType.opus)
                if let previousTimestamp { #expect(packet.timestamp &- previousTimestamp == 960) }
                previousTimestamp = packet.timestamp
                let maybeReceived = try depacketizer.receive(RTPPacket(parsing: packet.serialized()))
                let received = try #require(maybeReceived)
                #expect(received.lostPacketsBefore == 0)
                decoded += try decoder.decode(received.payload)
            }
            offset = end
        }
        #expect(decoded.count == 48_000)
        #expect(framer.pendingCount == 0)
        // Skip the codec's start-up, then find the strongest tone between 200 Hz and 1 kHz.
        let steady = Array(decoded[24_000..<33_600])
        let dominant = Tone.dominantFrequency(in: steady, range: 200...1000)
        print("Opus: dominant frequency after round trip \(dominant) Hz")
        #expect(abs(dominant - 440) <= 5)
        #expect(Tone.rms(steady) > 0.2)
    }

    @Test func int16InputAndOutput() throws {
        let encoder = try OpusEncoder()
        let decoder = try OpusDecoder()
        var output: [Int16] = []
        for index in 0..<25 {
            let frame = Tone.sine(frequency: 1000, count: 960, startingAt: index * 960).map { Int16($0 * 32767) }
            output += try decoder.decodeInt16(encoder.encode(frame).data)
        }
        let dominant = Tone.dominantFrequency(in: output[12_000..<21_600].map { Float($0) / 32767 }, range: 800...1200)
        #expect(abs(dominant - 1000) <= 5)
    }

    @Test func silenceUsesDTXAndTheNextTalkspurtIsMarked() throws {
        let encoder = try OpusEncoder()
        var packetizer = try OpusRTPPacketizer()
        var sent: [RTPPacket] = []
        var sizes: [Int] = []
        for index in 0..<100 {
            let samples = index < 10 || index >= 90
                ? Tone.sine(frequency: 300, count: 960, startingAt: index * 960) : [Float](repeating: 0, count: 960)
            let encoded = try encoder.encode(samples)
            sizes.append(encoded.data.count)
            if let packet = packetizer.packetize(encoded) { sent.append(packet) }
        }
        // Once DTX kicks in, silent frames shrink to at most 2 bytes and are not sent,
        // apart from occasional comfort-noise updates.
        let silentSizes = sizes[30..<90]
        #expect(silentSizes.filter { $0 <= 2 }.count > 50)
        #expect(sent.count < 40)
        #expect(sent.first?.marker == true, "the stream starts a talkspurt")
        let resumed = try #require(sent.firstIndex { $0.timestamp == sent[0].timestamp &+ 90 * 960 })
        #expect(sent[resumed].marker, "first packet after DTX silence carries the marker")
        #expect(!sent[resumed + 1].marker)
        #expect(sent[1..<resumed].contains { !$0.marker })
    }

    @Test func lostPacketIsRecoveredFromFECOrConcealed() throws {
        var configuration = OpusEncoderConfiguration()
        configuration.expectedPacketLossPercent = 20
        let encoder = try OpusEncoder(configuration: configuration)
        let decoder = try OpusDecoder()
        var packetizer = try OpusRTPPacketizer()
        var depacketizer = OpusRTPDepacketizer()
        var decoded: [Float] = []
        for index in 0..<50 {
            let encoded = try encoder.encode(Tone.sine(frequency: 440, count: 960, startingAt: index * 960))
            let maybePacket = packetizer.packetize(encoded)
            let packet = try #require(maybePacket)
            if index == 30 { continue }  // lost on the way
            let maybeReceived = try depacketizer.receive(packet)
            let received = try #require(maybeReceived)
            if received.lostPacketsBefore > 0 {
                #expect(received.lostPacketsBefore == 1)
                let recovered = try decoder.decodeLost(sampleCount: 960, nextPacket: received.payload)
                #expect(recovered.count == 960)
                #expect(Tone.rms(recovered) > 0.1, "FEC should rebuild audible audio")
                decoded += recovered
            }
            decoded += try decoder.decode(received.payload)
        }
        #expect(decoded.count == 50 * 960)
        #expect(depacketizer.packetsLost == 1)
        let concealed = try decoder.decodeLost(sampleCount: 960)
        #expect(concealed.count == 960)
        #expect(throws: CodecError.self) { try decoder.decodeLost(sampleCount: 7) }
    }

    @Test func lateAndDuplicatePacketsAreDropped() throws {
        var packetizer = try OpusRTPPacketizer(initialSequenceNumber: 65_534)
        var depacketizer = OpusRTPDepacketizer()
        let packets = (0..<4).compactMap { _ in packetizer.packetize(EncodedAudioFrame(data: [0xF8, 1, 2], sampleCount: 960)) }
        let first = try depacketizer.receive(packets[0])
        let third = try depacketizer.receive(packets[2])  // across the 16-bit wrap
        let late = try depacketizer.receive(packets[1])
        let duplicate = try depacketizer.receive(packets[2])
        let fourth = try depacketizer.receive(packets[3])
        #expect(first != nil)
        #expect(third?.lostPacketsBefore == 1)
        #expect(late == nil)
        #expect(duplicate == nil)
        #expect(fourth?.lostPacketsBefore == 0)
        var empty = packets[3]
        empty.payload = []
        #expect(throws: RTPParseError.self) { try depacketizer.receive(empty) }
    }

    @Test func badInputThrows() throws {
        let encoder = try OpusEncoder()
        #expect(throws: CodecError.self) { try encoder.encode([Float](repeating: 0, count: 959)) }
        #expect(throws: CodecError.self) { try encoder.encode([Int16]()) }
        #expect(throws: CodecError.self) { try encoder.setBitrate(kbps: 1) }
        var configuration = OpusEncoderConfiguration()
        configuration.sampleRate = 44_100
        #expect(throws: CodecError.self) { try OpusEncoder(configuration: configuration) }
        let decoder = try OpusDecoder()
        #expect(throws: CodecError.self) { try decoder.decode([]) }
        var generator = SplitMix64(state: 5)
        for _ in 0..<200 {
            let garbage = (0..<Int.random(in: 1...400, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? decoder.decode(garbage)  // must not crash; libopus rejects or decodes noise
        }
    }
}

@Suite struct AudioFramerTests {
    @Test func cutsExactFramesAndKeepsOrder() {
        var framer = AudioFramer<Int16>(frameLength: 960)
        var frames: [[Int16]] = []
        var next: Int16 = 0
        for size in [1, 959, 480, 480, 2000, 0, 37, 3000] {
            let buffer = (0..<size).map { _ in defer { next &+= 1 }; return next }
            frames += framer.append(contentsOf: buffer)
        }
        #expect(frames.allSatisfy { $0.count == 960 })
        #expect(frames.count == 7)
        #expect(frames.joined().elementsEqual((0..<Int16(7 * 960)).map { $0 }))
        #expect(framer.pendingCount == 6957 - 7 * 960)
        framer.reset()
        #expect(framer.pendingCount == 0)
    }
}

extension Array {
    /// Repeats the elements until their sum reaches `total` (for chunk-size patterns).
    func cycled(until total: Int) -> [Element] where Element == Int {
        var result: [Int] = []
        var sum = 0
        while sum < total {
            for value in self where sum < total {
                result.append(value)
                sum += value
            }
        }
        return result
    }
}
