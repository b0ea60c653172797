import NIOCore
import TrtcRTP

extension MediaDatagramHandler {
    /// A receiver's transport-wide feedback about the packets the server numbered for it: its downlink estimate
    /// learns, and each publisher it gets video from is held to what the receivers' downlinks carry
    /// (`limitPublisher`), at feedback pace (every 50 ms) rather than once per receiver report.
    func takeDownlinkFeedback(_ feedback: RTCPTransportFeedback, from receiver: MediaRoute, context: ChannelHandlerContext) {
        guard feedback.receiveDeltas.count <= DownlinkEstimate.maximumStatuses else {
            metrics.refuse(.tooManyStatuses)
            return
        }
        let now = Self.uplinkNow
        let layers = receiver.downlinkLayers
        layers.transportFeedback(feedback, now: now)
        metrics.downlinkTransportFeedback.increment()
        for ssrc in layers.streams.keys {
            guard let (publisher, kind) = router.withTable({ $0.publisher(ofStream: ssrc, in: receiver.room) }), kind == .video,
                  publisher.session != receiver.session else { continue }
            if let last = publisher.uplink.lastVideoLimit, now - last < Self.videoLimitInterval { continue }
            let streamKbps = publisher.publishedLayers.rates.cumulativeKbps(now: now).last ?? 0
            limitPublisher(publisher, streamKbps: streamKbps, now: now, context: context)
        }
    }
}
