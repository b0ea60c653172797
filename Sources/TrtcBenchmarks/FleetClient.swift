import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import TrtcCore

/// One simulated client's WebSocket, on NIO alone: the connection is a channel pipeline (HTTP upgrade, then NIO's
/// frame codec and `FleetFrameHandler`) with no task, so that thousands of clients cost the benchmark machine as
/// little as possible next to the server they measure. What arrives goes straight to the sink.
enum FleetClient {
    static let maxFrameBytes = 4 << 20

    /// Connects `client` and upgrades; reports `.closed` through the sink when the connection ends or cannot be made.
    static func open(_ client: Int, host: String, port: Int, group: any EventLoopGroup, sink: FleetSink) {
        let connected = ClientBootstrap(group: group)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: "\(host):\(port)")
                    let upgrader = NIOTypedWebSocketClientUpgrader<Bool>(
                        maxFrameSize: maxFrameBytes,
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(FleetFrameHandler(client: client, sink: sink))
                                return true
                            }
                        })
                    var configuration = NIOUpgradableHTTPClientPipelineConfiguration(
                        upgradeConfiguration: NIOTypedHTTPClientUpgradeConfiguration<Bool>(
                            upgradeRequestHead: HTTPRequestHead(version: .http1_1, method: .GET, uri: Signaling.path, headers: headers),
                            upgraders: [upgrader],
                            notUpgradingCompletionHandler: { channel in channel.eventLoop.makeSucceededFuture(false) }))
                    // A message can arrive in the same read as the server's 101 answer: hand it on, not drop it.
                    configuration.leftOverBytesStrategy = .forwardBytes
                    _ = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: configuration)
                }
            }
            .connect(host: host, port: port)
        connected.whenComplete { result in
            switch result {
            case .success(let channel):
                channel.closeFuture.whenComplete { _ in
                    sink.detach(client: client)
                    sink.yield(.closed(client: client, at: .now, error: nil))
                }
            case .failure(let error):
                sink.yield(.closed(client: client, at: .now, error: "\(error)"))
            }
        }
    }
}

/// The client end of an upgraded connection: registers its channel with the sink, hands every text message to it and
/// answers the server's close.
final class FleetFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let client: Int
    private let sink: FleetSink
    private var closeSent = false

    init(client: Int, sink: FleetSink) {
        self.client = client
        self.sink = sink
    }

    /// Added when the server's 101 arrived: the WebSocket is up (the server says nothing before a verified `enter`).
    func handlerAdded(context: ChannelHandlerContext) {
        sink.attach(context.channel, client: client)
        sink.yield(.connected(client: client))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            sink.receive(String(buffer: frame.data), client: client)
        case .connectionClose:
            // Echo the server's close; the server then closes the TCP connection.
            var data = frame.data
            let code = data.readWebSocketErrorCode() ?? .normalClosure
            var reply = context.channel.allocator.buffer(capacity: 2)
            reply.write(webSocketErrorCode: code)
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: reply)),
                                  promise: nil)
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.data)),
                                  promise: nil)
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
