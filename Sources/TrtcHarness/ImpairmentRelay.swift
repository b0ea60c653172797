import NIOCore
import NIOPosix
import TrtcNetLab

/// A UDP relay that impairs what passes through it (issue 12's network lab, unprivileged): clients send to its
/// loopback port as if it were the server's media port; each client address gets its own upstream socket towards
/// the server, so the server sees one address per client and answers reach the right one. Each direction is one
/// `ImpairedLink` (seeded, so the same seed and the same packets give the same losses and delays), shared by every
/// client of the relay like an access link; give each client its own relay to impair them separately.
///
/// Everything runs on one NIO event loop, which owns the links and the flows (`RelayCore`); delivery times are
/// scheduled tasks on that loop. Point trtcd at a relay with the server's `--media-announce 127.0.0.1:<port>` (or a
/// test's own grant).
public final class ImpairmentRelay: Sendable {
    public enum Direction: Sendable, CaseIterable {
        /// Client → server.
        case uplink
        /// Server → client.
        case downlink
    }

    /// The loopback port clients send to.
    public let port: Int
    private let core: NIOLoopBound<RelayCore>
    private let eventLoop: any EventLoop

    private init(port: Int, core: NIOLoopBound<RelayCore>, eventLoop: any EventLoop) {
        self.port = port
        self.core = core
        self.eventLoop = eventLoop
    }

    /// Listens on `host`:0 and relays to `upstreamHost`:`upstreamPort`.
    public static func start(to upstreamHost: String = "127.0.0.1", port upstreamPort: Int, uplink: ImpairmentProfile = .clean,
                             downlink: ImpairmentProfile = .clean, seed: UInt64, host: String = "127.0.0.1") async throws -> ImpairmentRelay {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let upstream = try SocketAddress.makeAddressResolvingHost(upstreamHost, port: upstreamPort)
        let core = try await eventLoop.submit {
            NIOLoopBound(RelayCore(eventLoop: eventLoop, upstream: upstream, uplink: ImpairedLink(uplink, seed: seed),
                                   downlink: ImpairedLink(downlink, seed: seed ^ 0x5DEE_CE66_D1CE_D00D)), eventLoop: eventLoop)
        }.get()
        let listener = try await DatagramBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientSideHandler(core: core))
                }
            }
            .bind(host: host, port: 0).get()
        try await eventLoop.submit { core.value.listener = listener }.get()
        return ImpairmentRelay(port: listener.localAddress?.port ?? 0, core: core, eventLoop: eventLoop)
    }

    /// What each direction did so far.
    public func statistics(_ direction: Direction) async throws -> ImpairedLink.Statistics {
        try await eventLoop.submit { [core] in core.value.link(direction).statistics }.get()
    }

    /// New settings for one direction from now on (the random streams carry on).
    public func update(_ direction: Direction, _ profile: ImpairmentProfile) async throws {
        try await eventLoop.submit { [core] in core.value.withLink(direction) { $0.update(profile) } }.get()
    }

    /// Everything sent in either direction during the next `duration` is lost.
    public func outage(for duration: Duration, directions: [Direction] = Direction.allCases) async throws {
        try await eventLoop.submit { [core] in
            let now = core.value.elapsed
            for direction in directions { core.value.withLink(direction) { $0.addOutage(start: now, duration: duration) } }
        }.get()
    }

    /// One RTP stream one client sent (uplink) or was sent (downlink), as far as the relay delivered it.
    public struct DeliveredStream: Sendable, Equatable {
        /// The client's address, e.g. "127.0.0.1:41234".
        public var client: String
        public var stream: RTPDeliveryLedger.Stream
    }

    /// The RTP packets delivered in one direction so far, per client and SSRC (`RTPDeliveryLedger`): which sequence
    /// numbers got through after the link's losses and every retransmission. RTCP, STUN and DTLS are not counted.
    public func deliveredRTP(_ direction: Direction) async throws -> [DeliveredStream] {
        try await eventLoop.submit { [core] in
            core.value.delivered(direction).flatMap { client, ledger in
                ledger.all.map { DeliveredStream(client: client.description, stream: $0) }
            }
        }.get()
    }

    /// Closes the listening socket and every upstream socket.
    public func close() async throws {
        let channels = try await eventLoop.submit { [core] in core.value.close() }.get()
        for channel in channels { try? await channel.close() }
    }
}

/// The relay's state, on its event loop only: both links, and per client address its upstream socket.
final class RelayCore {
    let eventLoop: any EventLoop
    let upstream: SocketAddress
    let started = NIODeadline.now()
    var listener: (any Channel)?
    private var uplink: ImpairedLink
    private var downlink: ImpairedLink
    private var flows: [SocketAddress: Flow] = [:]
    /// RTP delivered per client, per direction.
    private var uplinkDelivered: [SocketAddress: RTPDeliveryLedger] = [:]
    private var downlinkDelivered: [SocketAddress: RTPDeliveryLedger] = [:]
    /// Packets scheduled but not yet sent, per direction: while any are, a packet due at once is scheduled too, so
    /// it cannot overtake them.
    private var scheduled: [ImpairmentRelay.Direction: Int] = [:]
    private var closed = false

    final class Flow {
        var channel: (any Channel)?
        /// Packets due before the upstream socket was bound.
        var pending: [ByteBuffer] = []
    }

    init(eventLoop: any EventLoop, upstream: SocketAddress, uplink: ImpairedLink, downlink: ImpairedLink) {
        self.eventLoop = eventLoop
        self.upstream = upstream
        self.uplink = uplink
        self.downlink = downlink
    }

    var elapsed: Duration { .nanoseconds((NIODeadline.now() - started).nanoseconds) }

    func link(_ direction: ImpairmentRelay.Direction) -> ImpairedLink {
        direction == .uplink ? uplink : downlink
    }

    func withLink(_ direction: ImpairmentRelay.Direction, _ body: (inout ImpairedLink) -> Void) {
        if direction == .uplink { body(&uplink) } else { body(&downlink) }
    }

    func delivered(_ direction: ImpairmentRelay.Direction) -> [(SocketAddress, RTPDeliveryLedger)] {
        (direction == .uplink ? uplinkDelivered : downlinkDelivered).map { ($0.key, $0.value) }
    }

    func fromClient(_ client: SocketAddress, _ bytes: ByteBuffer) {
        guard !closed else { return }
        let flow = flows[client] ?? openFlow(for: client)
        impair(.uplink, bytes) { [self] in
            uplinkDelivered[client, default: RTPDeliveryLedger()].record(bytes.readableBytesView)
            guard let channel = flow.channel else {
                flow.pending.append(bytes)
                return
            }
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: upstream, data: bytes), promise: nil)
        }
    }

    func fromServer(to client: SocketAddress, _ bytes: ByteBuffer) {
        guard !closed else { return }
        impair(.downlink, bytes) { [self] in
            downlinkDelivered[client, default: RTPDeliveryLedger()].record(bytes.readableBytesView)
            listener?.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: bytes), promise: nil)
        }
    }

    private func impair(_ direction: ImpairmentRelay.Direction, _ bytes: ByteBuffer, deliver: @escaping () -> Void) {
        let now = elapsed
        var verdict = ImpairedLink.Verdict.drop(.loss)
        withLink(direction) { verdict = $0.send(bytes: bytes.readableBytes, at: now) }
        guard case .deliver(let at) = verdict else { return }
        if at <= now && scheduled[direction, default: 0] == 0 {
            deliver()
            return
        }
        scheduled[direction, default: 0] += 1
        let deadline = started + .nanoseconds(Int64(at / .nanoseconds(1)))
        eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            scheduled[direction, default: 0] -= 1
            if !closed { deliver() }
        }
    }

    private func openFlow(for client: SocketAddress) -> Flow {
        let flow = Flow()
        flows[client] = flow
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        DatagramBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ServerSideHandler(core: bound, client: client))
                }
            }
            .bind(host: upstream.protocol == .inet6 ? "::1" : "127.0.0.1", port: 0)
            .assumeIsolated()
            .whenComplete { [self] result in
                guard case .success(let channel) = result else { return }  // that client's packets are lost
                if closed {
                    channel.close(promise: nil)
                    return
                }
                flow.channel = channel
                for bytes in flow.pending {
                    channel.write(AddressedEnvelope(remoteAddress: upstream, data: bytes), promise: nil)
                }
                flow.pending = []
                channel.flush()
            }
        return flow
    }

    func close() -> [any Channel] {
        closed = true
        let channels = [listener].compactMap { $0 } + flows.values.compactMap(\.channel)
        flows = [:]
        listener = nil
        return channels
    }
}

private final class ClientSideHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let core: NIOLoopBound<RelayCore>
    init(core: NIOLoopBound<RelayCore>) { self.core = core }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        core.value.fromClient(envelope.remoteAddress, envelope.data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}  // ICMP errors: UDP carries on
}

private final class ServerSideHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let core: NIOLoopBound<RelayCore>
    let client: SocketAddress
    init(core: NIOLoopBound<RelayCore>, client: SocketAddress) {
        self.core = core
        self.client = client
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        core.value.fromServer(to: client, unwrapInboundIn(data).data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// Runs `body` with a relay to `upstreamPort` and closes the relay afterwards, whether `body` returned or threw.
public func withImpairmentRelay<T: Sendable>(
    port upstreamPort: Int, uplink: ImpairmentProfile = .clean, downlink: ImpairmentProfile = .clean, seed: UInt64,
    _ body: (ImpairmentRelay) async throws -> T
) async throws -> T {
    let relay = try await ImpairmentRelay.start(port: upstreamPort, uplink: uplink, downlink: downlink, seed: seed)
    do {
        let result = try await body(relay)
        try? await relay.close()
        return result
    } catch {
        try? await relay.close()
        throw error
    }
}
