import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The UDP media socket (`--media`) as a service: binds, tells the endpoint its port (signaling waits for it),
/// and runs until graceful shutdown. Listed first in the service group, so it is stopped last.
struct MediaService: Service {
    /// Datagrams read per recvmmsg call; each gets a slice of `receiveSliceBytes`.
    static let vectorReadCount = 16
    static let receiveSliceBytes = 2048

    let bindHost: String
    let bindPort: Int
    let endpoint: MediaEndpoint
    let router: MediaRouter
    let metrics: MediaMetrics
    let recorder: MediaRecorder?
    let mirror: HostPort?
    let logger: Logger

    func run() async throws {
        // Whatever happens, nobody waits for this socket any longer.
        defer { endpoint.failed() }
        try recorder?.prepare()
        let mirrorAddress: SocketAddress?
        do {
            mirrorAddress = try mirror.map { try SocketAddress.makeAddressResolvingHost($0.host, port: $0.port) }
        } catch {
            throw ServerSetupError("--mirror \(mirror.map(String.init(describing:)) ?? ""): \(error)")
        }
        let (router, metrics, recorder, logger) = (router, metrics, recorder, logger)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: router.eventLoop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                // Bursts of video packets from many senders: ask for a large kernel buffer (capped by rmem_max).
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
                .channelOption(.datagramVectorReadMessageCount, value: Self.vectorReadCount)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.vectorReadCount * Self.receiveSliceBytes))
                .channelOption(.writeBufferWaterMark, value: .init(low: 256 << 10, high: 1 << 20))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(MediaDatagramHandler(
                            router: router, metrics: metrics, recorder: recorder, mirror: mirrorAddress, logger: logger))
                    }
                }
                .bind(host: bindHost, port: bindPort).get()
        } catch {
            throw ServerSetupError("--media \(HostPort(host: bindHost, port: bindPort)): cannot bind the UDP socket: \(error)")
        }
        guard let port = channel.localAddress?.port, let boundPort = UInt16(exactly: port) else {
            try? await channel.close()
            throw ServerSetupError("--media: the UDP socket has no port")
        }
        endpoint.bound(port: boundPort)
        if recorder != nil || mirror != nil {
            logger.warning("--record/--mirror write decrypted media: debugging tools that break the confidentiality of every call on this server")
        }
        logger.info("media socket bound", metadata: [
            "address": "\(HostPort(host: bindHost, port: port))", "record": "\(recorder?.directory ?? "-")",
            "mirror": "\(mirror.map(String.init(describing:)) ?? "-")",
        ])

        await withTaskGroup(of: Void.self) { group in
            if let recorder {
                group.addTask { await recorder.run() }
            }
            // Returns on graceful shutdown, or throws on cancellation; either way the socket closes.
            try? await gracefulShutdown()
            try? await channel.close()
            recorder?.finish()
        }
    }
}
