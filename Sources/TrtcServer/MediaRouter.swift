import NIOConcurrencyHelpers
import NIOCore

/// The media routing table behind a lock: the registry updates it in its own order of events, and the
/// datagram handler reads it per packet without an actor hop. Critical sections are dictionary lookups only.
final class MediaRouter: Sendable {
    private let table = NIOLockedValueBox(MediaRoutingTable())
    private let metrics: MediaMetrics

    init(metrics: MediaMetrics) {
        self.metrics = metrics
    }

    func admit(_ route: MediaRoute) {
        table.withLockedValue { $0.admit(route) }
    }

    func setPublishing(session: UInt64, audio: Bool, video: Bool) {
        table.withLockedValue { $0.setPublishing(session: session, audio: audio, video: video) }
    }

    func revoke(session: UInt64) {
        table.withLockedValue { table in
            table.revoke(session: session)
            // Set under the lock, so concurrent changes cannot leave a stale count behind.
            metrics.boundSessions.set(Int64(table.boundCount))
        }
    }

    func bind(token: MediaToken, from address: SocketAddress) -> Bool {
        table.withLockedValue { table in
            let accepted = table.bind(token: token, from: address)
            metrics.boundSessions.set(Int64(table.boundCount))
            return accepted
        }
    }

    func route(from address: SocketAddress, _ datagram: MediaDatagram) -> MediaRoutingTable.Decision {
        table.withLockedValue { $0.route(from: address, datagram) }
    }
}
