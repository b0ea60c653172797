import Logging
import NIOCore

/// The media socket's pipeline: answers binds and forwards RTP/RTCP to the sender's room (SFU, packets unchanged).
/// Runs on the channel's event loop; per packet it takes the router's lock for a few lookups and writes the same
/// buffer to every destination, flushed once per read burst so NIO can send them with one sendmmsg.
final class MediaDatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    /// Larger than any packet of the protocol (VP8 packets are ≤ 1200 bytes) and below the receive slice size,
    /// so a truncated read is recognised as too large.
    static let maxDatagramBytes = 1500

    private let router: MediaRouter
    private let metrics: MediaMetrics
    private let recorder: MediaRecorder?
    private let mirror: SocketAddress?
    private let logger: Logger
    private var needsFlush = false

    init(router: MediaRouter, metrics: MediaMetrics, recorder: MediaRecorder?, mirror: SocketAddress?, logger: Logger) {
        self.router = router
        self.metrics = metrics
        self.recorder = recorder
        self.mirror = mirror
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = envelope.data
        metrics.packetsIn.increment()
        metrics.bytesIn.increment(by: Int64(bytes.readableBytes))
        guard bytes.readableBytes <= Self.maxDatagramBytes else {
            metrics.drop(.tooLarge)
            return
        }
        let datagram = MediaDatagram(bytes)
        if case .bind(let version, let token) = datagram {
            answerBind(version: version, token: token, from: envelope.remoteAddress, context: context)
            return
        }
        switch router.route(from: envelope.remoteAddress, datagram) {
        case .drop(let reason):
            metrics.drop(reason)
        case .forward(let forwarding):
            var sent: Int64 = 0
            for destination in forwarding.destinations where destination.session != forwarding.sender {
                // UDP has no use for a backlog: late media is worthless, so copies beyond the queue limit are dropped.
                guard context.channel.isWritable else {
                    metrics.drop(.congested)
                    continue
                }
                context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: destination.address, data: bytes)), promise: nil)
                sent += 1
            }
            if sent > 0 {
                metrics.packetsOut.increment(by: sent)
                metrics.bytesOut.increment(by: sent * Int64(bytes.readableBytes))
                needsFlush = true
            }
            if case .rtp(let ssrc) = datagram {
                recorder?.record(bytes, recordingName: forwarding.recordingName, ssrc: ssrc)
                if let mirror, context.channel.isWritable {
                    context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: mirror, data: bytes)), promise: nil)
                    needsFlush = true
                }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP socket survives per-datagram errors (e.g. ICMP port unreachable from a client that went away).
        logger.debug("media socket error", metadata: ["error": "\(error)"])
    }

    private func answerBind(version: UInt8, token: MediaToken, from address: SocketAddress, context: ChannelHandlerContext) {
        guard version == MediaDatagram.bindVersion else {
            metrics.drop(.badVersion)
            return
        }
        guard router.bind(token: token, from: address) else {
            metrics.drop(.badToken)
            return
        }
        metrics.bindings.increment()
        var answer = context.channel.allocator.buffer(capacity: MediaDatagram.bindSize)
        answer.writeInteger(MediaDatagram.bindAnswerMagic, endianness: .big)
        answer.writeInteger(MediaDatagram.bindVersion)
        token.write(to: &answer)
        metrics.packetsOut.increment()
        metrics.bytesOut.increment(by: Int64(answer.readableBytes))
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: address, data: answer)), promise: nil)
        needsFlush = true
    }
}
