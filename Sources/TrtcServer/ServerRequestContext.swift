import Hummingbird
import NIOCore

/// Hummingbird's request context plus the peer's address: /metrics and /healthz answer loopback peers only unless
/// `--public-metrics` (security L1).
struct ServerRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer connects from this host (127.0.0.0/8, ::1, or IPv4-mapped 127/8).
    var peerIsLoopback: Bool {
        guard let address = remoteAddress?.ipAddress else { return false }
        return ListenExposure.isLoopback(address)
    }
}
