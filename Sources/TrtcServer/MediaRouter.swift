import NIOCore
import Synchronization

/// The media routing table behind a lock: the registry (an actor) updates it in its own order of events, and the
/// datagram handler reads it per packet without an actor hop. Critical sections are dictionary lookups only.
final class MediaRouter: Sendable {
    private let table = Mutex(MediaRoutingTable())

    func admit(_ route: MediaRoute) {
        table.withLock { $0.admit(route) }
    }

    func setPublishing(session: UInt64, audio: Bool, video: Bool) {
        table.withLock { $0.setPublishing(session: session, audio: audio, video: video) }
    }

    func revoke(session: UInt64) {
        table.withLock { $0.revoke(session: session) }
    }

    func bind(token: MediaToken, from address: SocketAddress) -> Bool {
        table.withLock { $0.bind(token: token, from: address) }
    }

    func route(from address: SocketAddress, _ datagram: MediaDatagram) -> MediaRoutingTable.Decision {
        table.withLock { $0.route(from: address, datagram) }
    }

    var boundCount: Int { table.withLock { $0.boundCount } }
}
