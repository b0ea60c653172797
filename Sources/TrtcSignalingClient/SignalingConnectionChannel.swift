import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import NIOWebSocket
import WSClient
@_spi(WSInternal) import WSCore

/// One signaling connection's pipeline: TLS when `wss://`, the HTTP upgrade, then swift-websocket's frame handling.
/// Our own rather than `WebSocketClient`'s because that one always passes the URL host to NIOSSL as SNI, which fails
/// for every IP address (`cannotUseIPAddressInSNI`); here an IP host gets no SNI and is verified against the
/// certificate's IP subjectAltNames (NIOSSL does that when no server name is given).
struct SignalingConnectionChannel: ClientConnectionChannel {
    enum Upgrade: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case notUpgraded
    }

    struct Context: WebSocketContext {
        let logger: Logger
    }

    typealias Value = EventLoopFuture<Upgrade>

    let url: ServerURL
    let tls: NIOSSLContext?
    let maxFrameSize: Int
    let closeTimeout: Duration
    let handler: WebSocketDataHandler<Context>

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            if let tls {
                let handler = try NIOSSLClientHandler(context: tls, serverHostname: url.tlsServerName)
                try channel.pipeline.syncOperations.addHandler(handler)
            }
            let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(
                maxFrameSize: maxFrameSize,
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        .websocket(try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel))
                    }
                })
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: url.authority)
            headers.add(name: "Origin", value: "\(url.secure ? "wss" : "ws")://\(url.authority)")
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.path, headers: headers)
            var configuration = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: .init(
                upgradeRequestHead: head, upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in channel.eventLoop.makeSucceededFuture(.notUpgraded) }))
            configuration.leftOverBytesStrategy = .forwardBytes
            return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: configuration)
        }
    }

    func handle(value: Value, logger: Logger) async throws -> WebSocketCloseFrame? {
        switch try await value.get() {
        case .websocket(let channel):
            return try await WebSocketHandler.handle(
                type: .client,
                configuration: .init(extensions: [], autoPing: .disabled, closeTimeout: closeTimeout, validateUTF8: false,
                                     maxFrameSize: maxFrameSize),
                asyncChannel: channel, context: Context(logger: logger), handler: handler)
        case .notUpgraded:
            throw SignalingClient.ConnectError(description: "the server did not accept the WebSocket upgrade")
        }
    }
}
