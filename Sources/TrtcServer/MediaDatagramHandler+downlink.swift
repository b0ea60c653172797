import NIOCore
import TrtcRTP

/// Downlink estimation (issue 14 §3): a receiver's transport-wide feedback about what the server sent it becomes its
/// estimate (`DownlinkEstimation`), the estimate each video stream's temporal layer (`DownlinkLayerAllocator`, the
/// loss rule of `TemporalLayerPolicy` kept as a backstop), and once a second the receiver is told both
/// (`RTCPDownlinkReport`).
extension MediaDatagramHandler {
    func estimateDownlink(of receiver: MediaRoute, from feedback: RTCPTransportFeedback, context: ChannelHandlerContext) {
        let now = Self.uplinkNow
        let downlink = receiver.downlink
        let budget = downlink.feedback(feedback, now: now)
        metrics.downlinkTransportFeedback.increment()
        var streams: [DownlinkLayerAllocator.Stream] = []
        for ssrc in receiver.downlinkLayers.streams.keys {
            guard let (publisher, kind) = router.withTable({ $0.publisher(ofStream: ssrc, in: receiver.room) }), kind == .video
            else { continue }
            let rates = publisher.publishedLayers.rates.cumulativeKbps(now: now)
            guard rates.count > 1 else { continue }
            streams.append(DownlinkLayerAllocator.Stream(ssrc: ssrc, layerKbps: rates.map { $0 * DownlinkEstimation.wireOverhead }))
        }
        let layers = downlink.allocator.update(estimateKbps: budget, otherKbps: downlink.otherKbps(now: now), streams: streams, now: now)
        for stream in streams {
            guard let layer = layers[stream.ssrc],
                  let (before, after) = receiver.downlinkLayers.estimated(layer: layer, ssrc: stream.ssrc,
                                                                           topLayer: UInt8(stream.layerKbps.count - 1))
            else { continue }
            if after < before { metrics.layerSwitchesDown.increment() }
            if after > before { metrics.layerSwitchesUp.increment() }
        }
        guard downlink.reportDue(now: now), let address = receiver.address else { return }
        let report = RTCPDownlinkReport(senderSSRC: UplinkRepair.serverSSRC, estimateKbps: UInt32(budget.rounded()),
                                        streams: receiver.downlinkLayers.layerCounts)
        _ = sendProtected(ByteBuffer(bytes: report.serialized()), isRTCP: true, to: address, connection: receiver.connection,
                          context: context)
    }
}
