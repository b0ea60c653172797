import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOSSL
import NIOWebSocket
import TrtcCore

/// trtc-server's connections: HTTP/1.1 for the server API, metrics and health (answered by Hummingbird's responder),
/// and the upgrade to a signaling WebSocket at `Signaling.path`, which then runs on NIO alone
/// (`SignalingChannelHandler`): no task, no async streams per connection. A room server holds thousands of mostly
/// idle connections, and per-connection tasks and async channels cost more memory than the rest of its state together.
struct SignalingServerChannel: ServerChildChannel, HTTPChannelHandler {
    enum Negotiated: Sendable {
        case signaling
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// A WebSocket upgrade that was asked for elsewhere, or before the server could admit anyone: answered with
        /// this status and closed (NIO does not hand a refused upgrade request on as plain HTTP).
        case refusedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, HTTPResponse.Status)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let messages: SignalingMessageHandler
    let mediaEndpoint: MediaEndpoint
    let limiter: ConnectionLimiter
    /// `--tls-cert`: every connection starts with a TLS handshake (nil: plaintext).
    let tls: NIOSSLContext?

    /// Headers of one request, all together.
    static let maxRequestHeadBytes = 16 * 1024

    /// Signaling messages are small (an `enter` with its UserSig is well under 1 KiB): start each connection's reads
    /// small rather than at NIO's 2 KiB default, which every idle connection would otherwise keep.
    static let signalingReadAllocator = AdaptiveRecvByteBufferAllocator(minimum: 256, initial: 1024, maximum: 64 * 1024)

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let peer = PeerAddressKey(channel.remoteAddress)
        if let refusal = limiter.admit(peer) {
            // Nothing is read from it and no handler is added: the cheapest answer there is.
            messages.metrics.refused(refusal).increment()
            channel.close(promise: nil)
            return channel.eventLoop.makeSucceededFuture(
                Value(negotiated: channel.eventLoop.makeFailedFuture(Refused(reason: refusal)), channel: channel))
        }
        let limiter = self.limiter
        channel.closeFuture.whenComplete { _ in limiter.release(peer) }
        let tls = self.tls
        return channel.eventLoop.makeCompletedFuture {
            // TLS below everything else; the request-head deadline below also bounds a handshake that never ends.
            if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
            // Right above TLS, so that it counts the plaintext of every protocol this connection may turn into.
            try channel.pipeline.syncOperations.addHandler(AmplificationGuardHandler(closes: messages.metrics.amplificationCloses))
            let refusal = NIOLoopBoundBox<HTTPResponse.Status?>(nil, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<Negotiated>(
                maxFrameSize: SignalingMessageHandler.maxMessageBytes,
                enableAutomaticErrorHandling: true,
                shouldUpgrade: { channel, head in
                    shouldUpgrade(channel, head).map { headers in
                        if headers == nil { refusal.value = head.uri.hasPrefix(Signaling.path) ? .serviceUnavailable : .notFound }
                        return headers
                    }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.syncOptions?.setOption(ChannelOptions.recvAllocator, value: Self.signalingReadAllocator)
                        try channel.syncOptions?.setOption(
                            ChannelOptions.socketOption(.so_sndbuf),
                            value: SocketOptionValue(messages.configuration.signalingSendBufferBytes))
                        try channel.pipeline.syncOperations.addHandler(SignalingChannelHandler(messages: messages))
                        return .signaling
                    }
                })
            let upgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration<Negotiated>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: tls != nil))
                        // Closes a keep-alive connection whose next request head does not arrive in time.
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(
                            idleTimeout: messages.configuration.requestHeadTimeout, logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return refusal.value.map { .refusedUpgrade(http, $0) } ?? .http(http)
                    }
                })
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<Negotiated>(upgradeConfiguration: upgradeConfiguration)
            configuration.enablePipelining = false  // NIOAsyncChannel serialises requests
            configuration.enableErrorHandling = false  // Hummingbird answers bad requests; HTTPParseErrorHandler closes
            configuration.enableResponseHeaderValidation = false  // HTTPTypes validated them
            // NIO's default takes 80 KiB of headers; every request here (upgrade, server API, metrics) needs a few hundred
            // bytes, and each connection may hold this much before anyone knows who it is.
            configuration.decoderConfiguration.maxHeaderListSize = Self.maxRequestHeadBytes
            configuration.decoderConfiguration.maxHeaderFieldSize = Self.maxRequestHeadBytes
            let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            try channel.pipeline.syncOperations.addHandler(HTTPParseErrorHandler())
            // The first request head (a WebSocket upgrade or a plain request) must arrive in time: a slow one holds a
            // socket and its header buffer without ever reaching the code that could judge it.
            let metrics = messages.metrics
            let headDeadline = channel.eventLoop.scheduleTask(in: TimeAmount(messages.configuration.requestHeadTimeout)) {
                metrics.requestHeadTimeouts.increment()
                channel.close(promise: nil)
            }
            negotiated.whenComplete { _ in headDeadline.cancel() }
            return Value(negotiated: negotiated, channel: channel)
        }
    }

    /// Upgrades requests for the signaling path only, and only once the media socket is bound (its port is in
    /// every `entered`); anything else stays HTTP and gets the router's answer.
    private func shouldUpgrade(_ channel: any Channel, _ head: HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?> {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
        guard path == Signaling.path else { return channel.eventLoop.makeSucceededFuture(nil) }
        if mediaEndpoint.port != nil { return channel.eventLoop.makeSucceededFuture(HTTPHeaders()) }
        let promise = channel.eventLoop.makePromise(of: HTTPHeaders?.self)
        let mediaEndpoint = self.mediaEndpoint
        promise.completeWithTask {
            await mediaEndpoint.ready()
            return mediaEndpoint.port == nil ? nil : HTTPHeaders()
        }
        return promise.futureResult
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .signaling:
                // The connection lives on in its pipeline; this task is not needed for it.
                break
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refusedUpgrade(let http, let status):
                try await http.executeThenClose { _, outbound in
                    try await outbound.write(contentsOf: [
                        .head(HTTPResponse(status: status, headerFields: [.connection: "close", .contentLength: "0"])),
                        .end(nil),
                    ])
                }
            }
        } catch is Refused {
            // Counted in the metrics; a log line per refusal would be a second way to flood.
        } catch {
            logger.debug("connection ended before its protocol was settled", metadata: ["error": "\(error)"])
        }
    }

    /// A connection over a cap, closed at accept.
    struct Refused: Error {
        let reason: ConnectionLimiter.Refusal
    }
}
