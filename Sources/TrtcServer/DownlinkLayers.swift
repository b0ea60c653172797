import NIOCore
import TrtcRTP

/// One receiver's temporal-layer forwarding of each video stream it gets (issue 14 §3): per stream a
/// `VP8LayerForwarder` (which frames go, renumbered) and a `TemporalLayerPolicy` (which layer fits the receiver's
/// downlink, from its receiver reports and NACKs), and the receiver's `DownlinkPacer` while any of its streams is
/// limited. Media loop only.
final class DownlinkLayers {
    /// Besides its limited streams' estimates, the pacer lets through this much for audio and RTCP.
    static let pacedAllowanceKbps = 40.0
    static let pacingEnabled = true
    /// A paced receiver's key-frame requests reach the publisher at most this often.
    static let pacedKeyframeInterval = Duration.seconds(2)
    private var lastKeyframeRequest: Duration?

    struct Stream {
        var forwarder = VP8LayerForwarder(targetLayer: 3)
        var policy: TemporalLayerPolicy?
        /// Bytes and packets forwarded since the receiver's last report about this stream.
        var bytesSinceReport = 0
        var packetsSinceReport = 0
        /// Numbers the receiver NACKed for the first time since its last report, and the newest it NACKed.
        var nackedSinceReport = 0
        var newestNACKed: UInt16?
        var lastReport: Duration?
        /// What was forwarded between the last two reports (kbit/s).
        var sentKbps = 0.0
    }

    private(set) var streams: [UInt32: Stream] = [:]
    /// Everything sent to this receiver leaves through it (`MediaDatagramHandler.emit`).
    var pacer = DownlinkPacer<AddressedEnvelope<ByteBuffer>>()

    /// The decision for one packet of the stream `ssrc` (`packet`: the whole RTP packet).
    func forward(ssrc: UInt32, sequenceNumber: UInt16, payload: UnsafeRawBufferPointer, bytes: Int) -> VP8LayerForwarder.Decision {
        let decision = streams[ssrc, default: Stream()].forwarder.forward(sequenceNumber: sequenceNumber, payload: payload)
        if case .forward = decision {
            streams[ssrc]?.bytesSinceReport += bytes
            streams[ssrc]?.packetsSinceReport += 1
        }
        return decision
    }

    /// The receiver NACKed `numbers` (its own numbering) of `ssrc`: numbers newer than any it asked for before are
    /// new losses. Receiver reports count a repaired packet as received, so under heavy repair their loss fraction
    /// says little; what the receiver had to ask for is the loss of its downlink.
    func noteNACK(ssrc: UInt32, _ numbers: [UInt16]) {
        guard var stream = streams[ssrc] else { return }
        for number in numbers {
            if let newest = stream.newestNACKed, Int16(bitPattern: number &- newest) <= 0 { continue }
            stream.newestNACKed = number
            stream.nackedSinceReport += 1
        }
        streams[ssrc] = stream
    }

    /// The publisher's sequence number of what this receiver got as `sequenceNumber` of `ssrc`.
    func publisherSequenceNumber(ssrc: UInt32, _ sequenceNumber: UInt16) -> UInt16? {
        guard let stream = streams[ssrc] else { return sequenceNumber }
        return stream.forwarder.publisherSequenceNumber(sequenceNumber)
    }

    /// A report block of this receiver about `ssrc`; `layerKbps`: the stream's cumulative layer rates. Returns the
    /// layer now wanted and the one before.
    func report(ssrc: UInt32, fractionLost: UInt8, layerKbps: [Double], now: Duration) -> (before: UInt8, after: UInt8)? {
        guard var stream = streams[ssrc], layerKbps.count > 1 else { return nil }
        let topLayer = UInt8(layerKbps.count - 1)
        if stream.policy?.topLayer != topLayer { stream.policy = TemporalLayerPolicy(topLayer: topLayer) }
        let seconds = stream.lastReport.map { max((now - $0) / .seconds(1), 0.2) } ?? 1
        let sentKbps = Double(stream.bytesSinceReport) * 8 / 1000 / seconds
        let before = stream.forwarder.targetLayer
        let nackedFraction = Double(stream.nackedSinceReport) / Double(max(stream.packetsSinceReport, 1))
        let loss = min(max(Double(fractionLost) / 256, nackedFraction), 1)
        let layer = stream.policy!.report(fractionLost: loss, sentKbps: sentKbps,
                                          layerKbps: layerKbps, now: now)
        stream.forwarder.targetLayer = layer == topLayer ? 3 : layer
        stream.bytesSinceReport = 0
        stream.packetsSinceReport = 0
        stream.nackedSinceReport = 0
        stream.lastReport = now
        stream.sentKbps = sentKbps
        streams[ssrc] = stream
        if Self.pacingEnabled { pacer.setRate(bitsPerSecond: pacingRateKbps().map { Int($0 * 1000) }) }
        return (min(before, topLayer), layer)
    }

    /// While a stream's policy found the receiver's link narrow: 95 % of what each such stream's link delivered when
    /// the policy cut it (not the estimate, which grows while nothing is lost: paced above the link, its queue
    /// overflowed again), what the other streams got lately, and an allowance for audio and RTCP; nil while none is
    /// limited.
    /// Whether any stream's policy found this receiver's link narrow.
    var isLimited: Bool { streams.values.contains { $0.policy?.deliveredKbps != nil } }

    func pacingRateKbps() -> Double? {
        let limited = streams.values.compactMap { $0.policy?.deliveredKbps }
        guard !limited.isEmpty else { return nil }
        let unlimited = streams.values.filter { $0.policy?.deliveredKbps == nil }.map(\.sentKbps)
        return limited.reduce(0, +) * 0.95 + unlimited.reduce(0, +) + Self.pacedAllowanceKbps
    }

    /// A key-frame request from this receiver may be passed on (and is noted): always while it is not paced; once per
    /// `pacedKeyframeInterval` while it is — each key frame is several frames' worth for everyone in the room, and a
    /// receiver behind a narrow link asks again while the last one is still in its pacer.
    func admitKeyframeRequest(ssrc: UInt32, now: Duration) -> Bool {
        guard isLimited else { return true }
        // Until the key frame comes, its delta frames are useless to it: the link carries the key frame alone.
        streams[ssrc]?.forwarder.awaitingKeyframe = true
        if let last = lastKeyframeRequest, now - last < Self.pacedKeyframeInterval { return false }
        lastKeyframeRequest = now
        return true
    }

    /// The layer being forwarded of `ssrc` (nil: not received).
    func currentLayer(ssrc: UInt32) -> UInt8? { streams[ssrc]?.forwarder.currentLayer }
}

/// What a publisher's video costs per temporal layer, as it arrives (for its receivers' policies). Media loop only.
final class PublishedLayers {
    var rates = TemporalLayerRates()
}

/// A publisher's video packet as the fan-out needs it: where its VP8 payload starts, and its temporal layer.
struct VideoPacket {
    let ssrc: UInt32
    let sequenceNumber: UInt16
    let payloadOffset: Int
    /// Its TID; nil when the stream has no layers (or the packet is not VP8 with a descriptor).
    let layer: UInt8?

    init?(_ plain: ByteBuffer, ssrc: UInt32, sequenceNumber: UInt16) {
        guard let (offset, layer) = plain.withUnsafeReadableBytes({ raw -> (Int, UInt8?)? in
            guard let header = RTPHeaderView(raw), header.headerSize < raw.count else { return nil }
            let payload = UnsafeRawBufferPointer(rebasing: raw[header.headerSize...])
            return (header.headerSize, VP8LayerForwarder.inspect(payload)?.descriptor.temporalLayerIndex)
        }) else { return nil }
        self.ssrc = ssrc
        self.sequenceNumber = sequenceNumber
        payloadOffset = offset
        self.layer = layer
    }

    /// Whether (and under which numbers) `layers`' receiver gets this packet, whose bytes are `plain`.
    func decision(for layers: DownlinkLayers, in plain: ByteBuffer) -> VP8LayerForwarder.Decision {
        plain.withUnsafeReadableBytes { raw in
            layers.forward(ssrc: ssrc, sequenceNumber: sequenceNumber,
                           payload: UnsafeRawBufferPointer(rebasing: raw[payloadOffset...]), bytes: raw.count)
        }
    }
}

/// New numbers for one receiver's copy of a video packet, written before it is protected.
struct RTPRewrite {
    let payloadOffset: Int
    let sequenceNumber: UInt16
    let pictureID: UInt16?
}

extension MediaDatagramHandler {
    /// A receiver's report block about a video stream it gets: its layer policy learns from the loss.
    func adaptLayers(of receiver: MediaRoute, to block: RTCPReportBlock, publishedBy publisher: MediaRoute) {
        let now = Self.uplinkNow
        let rates = publisher.publishedLayers.rates.cumulativeKbps(now: now)
        guard let (before, after) = receiver.downlinkLayers.report(ssrc: block.ssrc, fractionLost: block.fractionLost,
                                                                    layerKbps: rates, now: now) else { return }
        if after < before { metrics.layerSwitchesDown.increment() }
        if after > before { metrics.layerSwitchesUp.increment() }
    }
}
