import Testing
import TrtcRTP

/// The SFU's per-receiver downlink estimation (issue 14 §3), without I/O: the server's transport-wide number written
/// over or into a forwarded packet, the layer allocator's decisions from an estimate, and the report to the receiver.
@Suite struct DownlinkEstimationTests {
    /// A VP8-sized RTP packet, as trtcd sends it before numbering (no extension).
    static func packet(sequence: UInt16 = 7, payload: Int = 40) -> [UInt8] {
        try! RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: 9, ssrc: 0x1234, payload: [UInt8](repeating: 0xAB, count: payload)).serialized()
    }

    /// `stamp` on a copy of `bytes` with room to grow; nil when it refused (and then the bytes must be unchanged).
    static func stamped(_ number: UInt16, _ bytes: [UInt8]) -> [UInt8]? {
        var buffer = bytes + [UInt8](repeating: 0xEE, count: TransportWideSequenceNumber.maximumGrowth)
        let length = buffer.withUnsafeMutableBytes { TransportWideSequenceNumber.stamp(number, in: $0, length: bytes.count) }
        guard let length else {
            #expect(Array(buffer[0..<bytes.count]) == bytes, "refused, yet changed")
            return nil
        }
        return Array(buffer[0..<length])
    }

    @Test("stamp: a new block, over the publisher's number, into padding or appended to a block — as `adding` writes it; two-byte blocks without it refused")
    func stampInPlace() throws {
        let plain = Self.packet()
        // No extension: the same bytes `adding` makes (a new one-byte block), the payload intact.
        let fresh = try #require(Self.stamped(0xBEEF, plain))
        #expect(fresh == TransportWideSequenceNumber.adding(0xBEEF, to: plain))
        #expect(try RTPPacket(parsing: fresh).payload == RTPPacket(parsing: plain).payload)
        // The publisher's number: overwritten in place, same length.
        let publishers = try #require(TransportWideSequenceNumber.adding(5, to: plain))
        let over = try #require(Self.stamped(60_000, publishers))
        #expect(over.count == publishers.count && TransportWideSequenceNumber.read(from: over) == 60_000)
        // Another element (ID 1, one byte: 2 bytes used, 2 of padding): appended to the block, grown by a word.
        var other = plain
        other[0] |= 0x10
        other.insert(contentsOf: [0xBE, 0xDE, 0, 1, 0x10, 0x7F, 0, 0], at: 12)
        let appended = try #require(Self.stamped(513, other))
        #expect(appended == TransportWideSequenceNumber.adding(513, to: other))
        #expect(TransportWideSequenceNumber.read(id: 1, from: appended) == nil)  // ID 1 is one byte long: read needs 2
        #expect(appended[16] == 0x10 && appended[17] == 0x7F && TransportWideSequenceNumber.read(from: appended) == 513)
        #expect(try RTPPacket(parsing: appended).payload == RTPPacket(parsing: plain).payload)
        // Room in the padding (ID 1 with no data byte beyond one: 1 + 1 bytes, then 6 of padding in two words).
        var roomy = plain
        roomy[0] |= 0x10
        roomy.insert(contentsOf: [0xBE, 0xDE, 0, 2, 0x10, 0x7F, 0, 0, 0, 0, 0, 0], at: 12)
        let intoPadding = try #require(Self.stamped(77, roomy))
        #expect(intoPadding.count == roomy.count && TransportWideSequenceNumber.read(from: intoPadding) == 77)
        #expect(try RTPPacket(parsing: intoPadding).payload == RTPPacket(parsing: plain).payload)
        // A two-byte block (profile 0x1000) with the element: overwritten; without it: refused.
        var twoByte = plain
        twoByte[0] |= 0x10
        twoByte.insert(contentsOf: [0x10, 0x00, 0, 1, 3, 2, 0, 1], at: 12)
        let overTwo = try #require(Self.stamped(4242, twoByte))
        #expect(TransportWideSequenceNumber.read(from: overTwo) == 4242 && overTwo.count == twoByte.count)
        twoByte[16] = 9
        #expect(Self.stamped(1, twoByte) == nil)
        // No room to grow, or not RTP: refused.
        var tight = plain
        #expect(tight.withUnsafeMutableBytes { TransportWideSequenceNumber.stamp(1, in: $0, length: plain.count) } == nil)
        #expect(Self.stamped(1, [0x80, 0x60, 0, 1]) == nil)
    }

    @Test("the downlink report (RTCP APP TRDL) reads back; other APP packets are not it")
    func downlinkReport() throws {
        let report = RTCPDownlinkReport(senderSSRC: 0, estimateKbps: 287,
                                        streams: [.init(ssrc: 0xDEAD_BEEF, layerCount: 1), .init(ssrc: 5, layerCount: 2)])
        let bytes = report.serialized()
        #expect(bytes.count == 4 + 12 + 16 && bytes[1] == 204)
        let parsed = try RTCPPacket.parseCompound(bytes)
        #expect(parsed.count == 1 && RTCPDownlinkReport(parsed[0]) == report)
        var foreign = bytes
        foreign[8] = UInt8(ascii: "X")
        #expect(RTCPDownlinkReport(try RTCPPacket.parseCompound(foreign)[0]) == nil)
    }

    static let stream = [200.0, 800.0]

    @Test("allocator: down at once when the estimate no longer covers a layer, up only after the estimate covered it with headroom for 3 s")
    func downFastUpSlow() {
        var allocator = DownlinkLayerAllocator()
        let one = [DownlinkLayerAllocator.Stream(ssrc: 1, layerKbps: Self.stream)]
        func layer(_ estimate: Double, at millisecond: Int) -> UInt8? {
            allocator.update(estimateKbps: estimate, otherKbps: 40, streams: one, now: .milliseconds(millisecond))[1]
        }
        #expect(layer(3000, at: 0) == 1, "a fresh receiver gets every layer")
        #expect(layer(841, at: 50) == 1, "the stream (800) and the rest (40) still covered")
        #expect(layer(255, at: 100) == 0, "a backoff to a 300 kbit/s link: down at the next feedback")
        // 1010 covers 800 × 1.2 + 40: up once that held 3 s; a break in between starts the wait again.
        #expect(layer(1010, at: 1000) == 0)
        #expect(layer(1010, at: 2500) == 0)
        #expect(layer(900, at: 2600) == 0, "below the headroom: the wait starts again")
        #expect(layer(1010, at: 3000) == 0)
        #expect(layer(1010, at: 5900) == 0)
        #expect(layer(1010, at: 6000) == 1)
        // Still covered without headroom: kept.
        #expect(layer(850, at: 6050) == 1)
    }

    @Test("allocator: the base layer of every stream first, then whole streams in SSRC order while the budget lasts")
    func severalStreams() {
        var allocator = DownlinkLayerAllocator()
        let streams = [DownlinkLayerAllocator.Stream(ssrc: 9, layerKbps: Self.stream),
                       DownlinkLayerAllocator.Stream(ssrc: 3, layerKbps: Self.stream)]
        #expect(allocator.update(estimateKbps: 1300, otherKbps: 40, streams: streams, now: .zero) == [3: 1, 9: 0])
        #expect(allocator.update(estimateKbps: 400, otherKbps: 40, streams: streams, now: .milliseconds(50)) == [3: 0, 9: 0])
        // A stream without layers measured yet is left alone.
        let unmeasured = [DownlinkLayerAllocator.Stream(ssrc: 4, layerKbps: [])]
        #expect(allocator.update(estimateKbps: 400, otherKbps: 0, streams: unmeasured, now: .milliseconds(100)).isEmpty)
    }

    @Test("allocator: 45 s after going down the next layer is tried; a falling estimate ends the try, the next waits twice as long; an estimate that catches up keeps it")
    func probing() {
        var allocator = DownlinkLayerAllocator()
        let one = [DownlinkLayerAllocator.Stream(ssrc: 1, layerKbps: Self.stream)]
        func layer(_ estimate: Double, at second: Double) -> UInt8? {
            allocator.update(estimateKbps: estimate, otherKbps: 40, streams: one, now: .milliseconds(Int(second * 1000)))[1]
        }
        #expect(layer(3000, at: 0) == 1)
        #expect(layer(300, at: 1) == 0)
        // Held at layer 0 by an estimate that cannot grow past 1.5 × what is sent.
        for second in stride(from: 2.0, to: 46, by: 1) { #expect(layer(385, at: second) == 0) }
        #expect(layer(385, at: 46) == 1, "tried 45 s after going down")
        #expect(allocator.isProbing)
        #expect(layer(400, at: 46.5) == 1, "kept while the estimate grows")
        #expect(layer(300, at: 47) == 0, "the estimate fell: the link could not take it")
        #expect(!allocator.isProbing)
        for second in stride(from: 48.0, to: 137, by: 1) { #expect(layer(385, at: second) == 0, "at \(second) s") }
        #expect(layer(385, at: 137) == 1, "the next try 90 s later")
        // This time the link carries it: the estimate grows until it covers the stream, and the layer stays.
        var estimate = 385.0
        for tenth in 1...200 {
            estimate *= 1.008
            #expect(layer(estimate, at: 137 + Double(tenth) / 10) == 1)
        }
        #expect(!allocator.isProbing && estimate > 840)
        #expect(layer(700, at: 160) == 0, "from then on the ordinary rule")
    }
}
