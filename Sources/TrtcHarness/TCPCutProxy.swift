import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP proxy on a loopback port in front of `target`, which a test can cut: from `cut()` on, bytes in both
/// directions are dropped (a partition, not a reset: the peers see silence, as behind a dead link) and new
/// connections are accepted and then ignored; `heal()` forwards again for connections made after it.
/// One NIO event loop owns every channel.
public final class TCPCutProxy: Sendable {
    public let port: Int
    private let listener: any Channel

    public static func start(to target: Int, host: String = "127.0.0.1") async throws -> TCPCutProxy {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let cut = NIOLockedValueBox(false)
        let listener = try await ServerBootstrap(group: loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: true)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: host, port: target)
                    .flatMap { outbound in
                        let forward = ForwardHandler(partner: outbound, isCut: cut)
                        let backward = ForwardHandler(partner: inbound, isCut: cut)
                        return inbound.pipeline.addHandler(forward).flatMap { outbound.pipeline.addHandler(backward) }
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TCPCutProxy(listener: listener, isCut: cut)
    }

    private init(listener: any Channel, isCut: NIOLockedValueBox<Bool>) {
        self.listener = listener
        self.port = listener.localAddress?.port ?? 0
        self.isCutBox = isCut
    }

    private let isCutBox: NIOLockedValueBox<Bool>

    /// Drops everything from now on, in both directions.
    public func cut() { isCutBox.withLockedValue { $0 = true } }

    /// Forwards again.
    public func heal() { isCutBox.withLockedValue { $0 = false } }

    public func close() async { try? await listener.close() }

    deinit { listener.close(promise: nil) }
}

/// Writes what one side reads to the other, unless the proxy is cut; a side that closes closes the other.
private final class ForwardHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let partner: any Channel
    let isCut: NIOLockedValueBox<Bool>

    init(partner: any Channel, isCut: NIOLockedValueBox<Bool>) {
        self.partner = partner
        self.isCut = isCut
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isCut.withLockedValue({ $0 }) else { return }
        partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
