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
            _ = layers.pacer.enqueue(PacedDatagram(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes))),
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

    /// Two seconds of the stream, each reported with `fractionLost` (of 256): the policy cuts the receiver's layer.
    static func cut(_ layers: DownlinkLayers, _ publisher: inout Publisher, fractionLost: UInt8, rates: [Double]) {
        second(&publisher, to: layers, at: .zero, keyframe: true)
        layers.report(ssrc: ssrc, fractionLost: fractionLost, layerKbps: rates, now: .seconds(1))
        second(&publisher, to: layers, at: .seconds(1))
        layers.report(ssrc: ssrc, fractionLost: fractionLost, layerKbps: rates, now: .seconds(2))
    }

    @Test("a cut paces at 0.9× what the link delivered (+40 kbit/s), flushes the stream's queued video, drops delta frames until a key frame")
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
        #expect(abs(paced - (max(sentKbps * 0.5 * 0.9, rates[0]) + 40)) < 15, "paced at \(paced) kbit/s")
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
        #expect(layers.keyframeRequestIsNew(ssrc: Self.ssrc, now: .zero), "not limited: every request is new")
        Self.cut(layers, &publisher, fractionLost: 200, rates: [200, 800])
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

    @Test("a limited receiver's key-frame request passed on drops the stream's video waiting in its pacer, not audio or RTCP")
    func keyframeRequestFlushesVideo() throws {
        let layers = DownlinkLayers()
        var publisher = Publisher()
        Self.cut(layers, &publisher, fractionLost: 200, rates: [200, 800])
        let video = Self.forward(publisher.next(keyframe: true, packets: 8) + publisher.next() + publisher.next(),
                                 to: layers, now: .milliseconds(2100))
        #expect(video.count == 10, "the key frame and the next layer-0 frame")
        let audio = try RTPPacket(payloadType: 111, sequenceNumber: 1, timestamp: 0, ssrc: 8, payload: [1, 2, 3])
        for _ in 0..<3 {
            _ = layers.pacer.enqueue(PacedDatagram(AddressedEnvelope(remoteAddress: Self.address, data: ByteBuffer(bytes: audio.serialized()))),
                                     bytes: 1000, now: .milliseconds(2100))
        }
        let rtcp = ByteBuffer(bytes: RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: Self.ssrc).serialized())
        #expect(PacedDatagram(AddressedEnvelope(remoteAddress: Self.address, data: rtcp)).rtpSSRC == nil)
        #expect(!layers.pacer.isEmpty)
        layers.keyframeRequested(ssrc: Self.ssrc)
        var left: [UInt32?] = []
        var now = Duration.milliseconds(2100)
        for _ in 0..<100 where !layers.pacer.isEmpty {
            let (send, next) = layers.pacer.due(now: now)
            left += send.map(\.rtpSSRC)
            now = next ?? now
        }
        #expect(left == [8, 8, 8], "the stream's video was dropped, audio kept: \(left)")
        #expect(Self.forward(publisher.next(), to: layers, now: .milliseconds(2200)).isEmpty, "and delta frames wait for the key frame")
    }

    @Test("paced: after the report that follows the cut, loss the pacer did not cause lowers the rate by 15 % (never below the layer's cost); none raises it, never above the delivered rate")
    func lossWhilePaced() throws {
        let layers = DownlinkLayers()
        var publisher = Publisher()
        Self.cut(layers, &publisher, fractionLost: 128, rates: [100, 800])
        let first = try #require(layers.pacingKbps)
        Self.second(&publisher, to: layers, at: .seconds(2), keyframe: true)
        layers.report(ssrc: Self.ssrc, fractionLost: 128, layerKbps: [100, 800], now: .seconds(3))
        #expect(layers.pacingKbps == first, "the first report after the cut tells of the queue before it")
        Self.second(&publisher, to: layers, at: .seconds(3))
        layers.report(ssrc: Self.ssrc, fractionLost: 26, layerKbps: [100, 800], now: .seconds(4))  // 10 %
        let lowered = try #require(layers.pacingKbps)
        #expect(abs(lowered - first * 0.85) < 0.5)
        #expect(layers.pacingRateKbps() == lowered + DownlinkLayers.pacedAllowanceKbps)
        Self.second(&publisher, to: layers, at: .seconds(4))
        layers.report(ssrc: Self.ssrc, fractionLost: 26, layerKbps: [200, 800], now: .seconds(5))
        #expect(layers.pacingKbps == 200, "never below what layer 0 costs")
        for second in 5..<20 {
            Self.second(&publisher, to: layers, at: .seconds(second))
            layers.report(ssrc: Self.ssrc, fractionLost: 0, layerKbps: [100, 800], now: .seconds(second + 1))
        }
        let raised = try #require(layers.pacingKbps)
        #expect(raised > 200 && raised <= first / 0.9 + 0.5, "raised to \(raised), delivered \(first / 0.9)")
    }

    @Test("the publisher's limit for a limited receiver: min(max(pacing rate, 0.9 × delivered), 0.95 × estimate) / 1.1; none while unlimited")
    func limitForThePublisher() throws {
        let layers = DownlinkLayers()
        var publisher = Publisher()
        Self.second(&publisher, to: layers, at: .zero, keyframe: true)
        layers.report(ssrc: Self.ssrc, fractionLost: 0, layerKbps: [100, 800], now: .seconds(1))
        #expect(layers.videoLimitKbps(ssrc: Self.ssrc) == nil, "a receiver that takes the whole stream limits nothing")
        Self.cut(layers, &publisher, fractionLost: 128, rates: [100, 800])
        let delivered = try #require(layers.streams[Self.ssrc]?.policy?.deliveredKbps)
        let pacing = try #require(layers.pacingKbps)
        let estimate = try #require(layers.streams[Self.ssrc]?.policy?.estimateKbps)
        let limit = try #require(layers.videoLimitKbps(ssrc: Self.ssrc))
        #expect(abs(limit - min(max(pacing, delivered * 0.9), estimate * 0.95) / 1.1) < 0.01,
                "limit \(limit), pacing \(pacing), delivered \(delivered), estimate \(estimate)")
        // Loss lowers the pacing rate; the limit stays at the cut's own rate (at random loss it would spiral down).
        Self.second(&publisher, to: layers, at: .seconds(2), keyframe: true)
        layers.report(ssrc: Self.ssrc, fractionLost: 26, layerKbps: [100, 800], now: .seconds(3))
        Self.second(&publisher, to: layers, at: .seconds(3))
        layers.report(ssrc: Self.ssrc, fractionLost: 26, layerKbps: [100, 800], now: .seconds(4))
        #expect(try #require(layers.pacingKbps) < pacing)
        #expect(abs(try #require(layers.videoLimitKbps(ssrc: Self.ssrc)) - delivered * 0.9 / 1.1) < 0.01)
    }

    @Test("paced and given the whole stream (the publisher held below the link): no loss raises the rate past what the link delivered at the cut, up to 1.5× what was sent")
    func wholeStreamRaisesTheRatePastTheCut() throws {
        let layers = DownlinkLayers()
        var publisher = Publisher()
        Self.cut(layers, &publisher, fractionLost: 128, rates: [100, 800])
        let delivered = try #require(layers.streams[Self.ssrc]?.policy?.deliveredKbps)
        // The publisher now sends a stream the link carries: its whole stream costs less than the estimate.
        Self.second(&publisher, to: layers, at: .seconds(2), keyframe: true)
        #expect(layers.report(ssrc: Self.ssrc, fractionLost: 0, layerKbps: [60, 120], roundTrip: .milliseconds(120),
                              now: .seconds(3))?.after == 1)
        var rates: [Double] = []
        for second in 3..<10 {
            Self.second(&publisher, to: layers, at: .seconds(second))
            layers.report(ssrc: Self.ssrc, fractionLost: 0, layerKbps: [60, 120], roundTrip: .milliseconds(100 + second),
                          now: .seconds(second + 1))
            rates.append(try #require(layers.pacingKbps))
        }
        #expect(rates.last! > delivered * 1.1, "rates \(rates), delivered \(delivered)")
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $1 > $0 }, "rates \(rates)")
        #expect(rates[1] / rates[0] > 1.079, "at least 8 % per report before any backoff (10 % while video waits): \(rates)")
        // Its round trip 25–60 ms above the smallest: held; more: lowered as on loss, though nothing is lost.
        let before = try #require(layers.pacingKbps)
        Self.second(&publisher, to: layers, at: .seconds(10))
        layers.report(ssrc: Self.ssrc, fractionLost: 0, layerKbps: [60, 120], roundTrip: .milliseconds(143), now: .seconds(11))
        #expect(layers.pacingKbps == before && layers.queueDelay == .milliseconds(40))
        Self.second(&publisher, to: layers, at: .seconds(11))
        layers.report(ssrc: Self.ssrc, fractionLost: 0, layerKbps: [60, 120], roundTrip: .milliseconds(183), now: .seconds(12))
        #expect(layers.pacingKbps == before * 0.85)
        // 10 % loss with no queue: the link's own, not lowered.
        let afterQueue = try #require(layers.pacingKbps)
        Self.second(&publisher, to: layers, at: .seconds(12))
        layers.report(ssrc: Self.ssrc, fractionLost: 26, layerKbps: [60, 120], roundTrip: .milliseconds(105), now: .seconds(13))
        #expect(try #require(layers.pacingKbps) >= afterQueue, "not lowered")
        // Without a round trip (no SR echoed), the whole stream does not raise the rate.
        let lowered = try #require(layers.pacingKbps)
        Self.second(&publisher, to: layers, at: .seconds(13))
        layers.report(ssrc: Self.ssrc, fractionLost: 0, layerKbps: [60, 120], now: .seconds(14))
        #expect(layers.pacingKbps == lowered)
    }

    @Test("a report block's round trip: arrival − when the SR it echoes left (behind the pacer's queue) − DLSR")
    func roundTripFromTheReportBlock() throws {
        let layers = DownlinkLayers()
        var publisher = Publisher()
        Self.second(&publisher, to: layers, at: .zero, keyframe: true)
        layers.noteSenderReport(ssrc: Self.ssrc, compact: 0x1234_8000, now: .seconds(1))
        // DLSR 0.5 s (32,768 / 65,536), the report back 0.62 s after the SR left: 120 ms.
        #expect(layers.roundTrip(ssrc: Self.ssrc, lastSenderReport: 0x1234_8000, delaySinceLastSenderReport: 32_768,
                                 now: .milliseconds(1620)) == .milliseconds(120))
        #expect(layers.roundTrip(ssrc: Self.ssrc, lastSenderReport: 0x1111_0000, delaySinceLastSenderReport: 0,
                                 now: .seconds(2)) == nil, "an SR never forwarded here")
        #expect(layers.roundTrip(ssrc: Self.ssrc, lastSenderReport: 0, delaySinceLastSenderReport: 0, now: .seconds(2)) == nil)
    }
}
