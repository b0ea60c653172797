import Hummingbird
import NIOCore

/// Hummingbird's request context plus the peer's address (/metrics and /healthz answer loopback peers only unless
/// `--public-metrics`, security L1) and its connection (whose amplification guard a signed request lifts).
struct ServerRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    private let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
    }

    /// Lets this connection's answers exceed what it sent (`AmplificationGuardHandler`): for a validly signed request
    /// and the exempt endpoints. Returns once the guard has it, so that the answer written next passes.
    func liftAmplificationGuard() async {
        try? await channel.triggerUserOutboundEvent(ConnectionAuthenticated()).get()
    }

    /// The peer connects from this host (127.0.0.0/8, ::1, or IPv4-mapped 127/8).
    var peerIsLoopback: Bool {
        guard let address = remoteAddress?.ipAddress else { return false }
        return ListenExposure.isLoopback(address)
    }
}
