import NIOCore
import Testing
import TrtcRTP
@testable import TrtcServer

/// `DownlinkLayers` for a receiver behind a narrow link (issue 14 §3): the cut starts pacing below what the link
/// delivered, flushes the stale queue and waits for a key frame; key-frame requests that cross a key frame still in
/// the pacer are not new; resends that precede the key frame are skipped; loss while paced lowers the rate.
@Suite("DownlinkLayers: pacing and key frames for a narrow downlink")
struct DownlinkLayersTests {
    static let ssrc: UInt32 = 7
    static let address = try! SocketAddress(ipAddress: "127.0.0.1", port: 9)

    /// A two-layer stream as trtcd sends it: frame `index` of each call is layer `index % 2`, packets of 1,000 bytes.
    struct Publisher {
        var packetizer = try! VP8Packetizer(ssrc: DownlinkLayersTests.ssrc, maximumPacketSize: 1000,
                                            initialSequenceNumber: 100, timestampOffset: 0, initialPictureID: 10,
                                            initialTL0PictureIndex: 0)
        var frame = 0

        mutating func next(keyframe: Bool = false, packets: Int = 2) -> [RTPPacket] {
            var data = [UInt8](repeating: 0x55, count: 960 * packets)
            data[0] = keyframe ? 0x00 : 0x01
            let layer = UInt8(keyframe ? 0 : frame % 2)
            defer { frame += 1 }
            return packetizer.packetize(data, rtpTimestamp: UInt32(frame) * 3000, isDroppable: layer > 0,
                                        temporalLayer: layer, isLayerSync: layer == 1)
        }
    }

    /// Forwards `packets` at `now` as the media loop does: what is forwarded goes through the receiver's pacer.
    /// Returns the receiver's sequence numbers of what was forwarded.
    @discardableResult
    static func forward(_ packets: [RTPPacket], to layers: DownlinkLayers, now: Duration) -> [UInt16] {
        var numbers: [UInt16] = []
        for packet in packets {
            let bytes = packet.serialized()
            let decision = packet.payload.withUnsafeBytes {
                layers.forward(ssrc: ssrc, sequenceNumber: packet.sequenceNumber, payload: $0, bytes: bytes.count,
                               isRetransmission: false, now: now)
            }
            guard case .forward(let number, _) = decision else { continue }
            numbers.append(number)
            _ = layers.pacer.enqueue(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes)),
                                     bytes: bytes.count, now: now)
        }
        return numbers
    }

    /// One second of 30 frames (the first a key frame when asked), forwarded at `start`; the bytes sent.
    @discardableResult
    static func second(_ publisher: inout Publisher, to layers: DownlinkLayers, at start: Duration, keyframe: Bool = false) -> Int {
        var bytes = 0
        for index in 0..<30 {
            let packets = publisher.next(keyframe: keyframe && index == 0)
            let forwarded = forward(packets, to: layers, now: start + .milliseconds(33 * index)).count
            bytes += packets.prefix(forwarded).map { $0.serialized().count }.reduce(0, +)
        }
        return bytes
    }

    @Test("a cut paces at 0.8× what the link delivered (+40 kbit/s), flushes the queue, drops delta frames until a key frame")
    func cutStartsPacing() throws {
        let layers = DownlinkLayers()
        var publisher = Publisher()
        let rates: [Double] = [200, 800]
        Self.second(&publisher, to: layers, at: .zero, keyframe: true)
        #expect(layers.report(ssrc: Self.ssrc, fractionLost: 128, layerKbps: rates, now: .seconds(1))?.after == 1)
        #expect(layers.pacingRateKbps() == nil, "one lossy report is not a narrow link")
        let sentKbps = Double(Self.second(&publisher, to: layers, at: .seconds(1))) * 8 / 1000
        let cut = try #require(layers.report(ssrc: Self.ssrc, fractionLost: 128, layerKbps: rates, now: .seconds(2)))
        #expect(cut.before == 1 && cut.after == 0)
        let paced = try #require(layers.pacingRateKbps())
        #expect(abs(paced - (sentKbps * 0.5 * 0.8 + 40)) < 15, "paced at \(paced) kbit/s")
        #expect(layers.pacer.isEmpty, "the stale queue was dropped")
        #expect(Self.forward(publisher.next(), to: layers, now: .milliseconds(2010)).isEmpty,
                "a delta frame is useless to a receiver awaiting a key frame")
        #expect(!layers.retransmissionHelps(ssrc: Self.ssrc, asked: 150), "no resends while a key frame is awaited")
        #expect(!Self.forward(publisher.next(keyframe: true), to: layers, now: .milliseconds(2050)).isEmpty)
        #expect(!Self.forward(publisher.next(), to: layers, now: .milliseconds(2083)).isEmpty, "after the key frame, layer 0 goes")
    }

    @Test("key-frame requests are not new while the key frame is still in the pacer (+300 ms); resends before it are skipped")
    func keyframeInFlight() throws {
        let layers = DownlinkLayers()
        var publisher = Publisher()
        let rates: [Double] = [200, 800]
        Self.second(&publisher, to: layers, at: .zero, keyframe: true)
        #expect(layers.keyframeRequestIsNew(ssrc: Self.ssrc, now: .milliseconds(900)), "not limited: every request is new")
        layers.report(ssrc: Self.ssrc, fractionLost: 200, layerKbps: rates, now: .seconds(1))
        Self.second(&publisher, to: layers, at: .seconds(1))
        layers.report(ssrc: Self.ssrc, fractionLost: 200, layerKbps: rates, now: .seconds(2))
        let rate = try #require(layers.pacer.rateBitsPerSecond)
        #expect(layers.keyframeRequestIsNew(ssrc: Self.ssrc, now: .milliseconds(2000)))
        layers.keyframeRequested(ssrc: Self.ssrc)
        // A 24 KB key frame at the pacer's rate.
        let start = Duration.milliseconds(2100)
        let keyframe = publisher.next(keyframe: true, packets: 24)
        let numbers = Self.forward(keyframe, to: layers, now: start)
        #expect(numbers.count == keyframe.count)
        let bytes = keyframe.map { $0.serialized().count }.reduce(0, +)
        let atRate = Duration.nanoseconds(Int64(bytes * 8) * 1_000_000_000 / Int64(rate))
        let leaves = try #require(layers.streams[Self.ssrc]?.keyframeLeavesPacer)
        #expect(leaves - start <= atRate && leaves - start >= atRate * 0.9,
                "the key frame's last packet leaves after \(leaves - start), \(bytes) bytes at \(rate) bit/s take \(atRate)")
        #expect(!layers.keyframeRequestIsNew(ssrc: Self.ssrc, now: start + .milliseconds(200)))
        #expect(!layers.keyframeRequestIsNew(ssrc: Self.ssrc, now: leaves + .milliseconds(250)))
        #expect(layers.keyframeRequestIsNew(ssrc: Self.ssrc, now: leaves + .milliseconds(320)), "lost after all: ask again")
        #expect(!layers.retransmissionHelps(ssrc: Self.ssrc, asked: numbers[0] &- 1), "before the key frame: useless")
        #expect(layers.retransmissionHelps(ssrc: Self.ssrc, asked: numbers[5]))
    }

    @Test("paced: loss the pacer did not cause lowers the rate by 15 %; none raises it by 3 %, never above the delivered rate")
    func lossWhilePaced() throws {
        let layers = DownlinkLayers()
        var publisher = Publisher()
        let rates: [Double] = [200, 800]
        Self.second(&publisher, to: layers, at: .zero, keyframe: true)
        layers.report(ssrc: Self.ssrc, fractionLost: 128, layerKbps: rates, now: .seconds(1))
        Self.second(&publisher, to: layers, at: .seconds(1))
        layers.report(ssrc: Self.ssrc, fractionLost: 128, layerKbps: rates, now: .seconds(2))
        let allowance = DownlinkLayers.pacedAllowanceKbps
        let first = try #require(layers.pacingRateKbps()) - allowance
        Self.second(&publisher, to: layers, at: .seconds(2), keyframe: true)
        layers.report(ssrc: Self.ssrc, fractionLost: 26, layerKbps: rates, now: .seconds(3))  // 10 %
        let lowered = try #require(layers.pacingRateKbps()) - allowance
        #expect(abs(lowered - first * 0.85) < 0.5)
        for second in 3..<20 {
            Self.second(&publisher, to: layers, at: .seconds(second))
            layers.report(ssrc: Self.ssrc, fractionLost: 0, layerKbps: rates, now: .seconds(second + 1))
        }
        let raised = try #require(layers.pacingRateKbps()) - allowance
        #expect(raised > lowered && raised <= first / 0.8 + 0.5, "raised to \(raised), delivered \(first / 0.8)")
    }
}
