import Logging
import NIOCore
import TrtcTransport

/// The media routing table and every member's media connection, owned by the media socket's event loop.
/// The registry's changes (admit, publish state, revoke) are queued onto that loop in the registry's order of
/// events; the datagram handler runs on it and uses the table directly, with no lock and no actor hop.
final class MediaRouter: Sendable {
    let eventLoop: any EventLoop
    /// This server's DTLS certificate (one per process); its fingerprint goes out in every `entered.media`.
    let certificate: DTLSCertificate
    private let table: NIOLoopBoundBox<MediaRoutingTable>
    private let metrics: MediaMetrics
    private let logger: Logger

    init(eventLoop: any EventLoop, certificate: DTLSCertificate, memberLimits: MemberMediaLimits,
         metrics: MediaMetrics, logger: Logger) {
        self.eventLoop = eventLoop
        self.certificate = certificate
        self.table = .makeBoxSendingValue(MediaRoutingTable(memberLimits: memberLimits), eventLoop: eventLoop)
        self.metrics = metrics
        self.logger = logger
    }

    func admit(_ admission: MediaAdmission) {
        eventLoop.execute { [self] in
            do {
                try table.value.admit(admission, certificate: certificate)
            } catch {
                // The member stays in the room without media; its client reports the failed connection.
                logger.error("media connection could not be created", metadata: ["session": "\(admission.session)", "error": "\(error)"])
            }
        }
    }

    func setPublishing(session: UInt64, audio: Bool, video: Bool) {
        eventLoop.execute { [self] in table.value.setPublishing(session: session, audio: audio, video: video) }
    }

    func revoke(session: UInt64) {
        eventLoop.execute { [self] in
            table.value.revoke(session: session)
            metrics.boundSessions.set(Int64(table.value.selectedCount))
        }
    }

    /// The table, for the datagram handler and the timer; on the event loop only.
    func withTable<Result>(_ body: (inout MediaRoutingTable) throws -> Result) rethrows -> Result {
        eventLoop.preconditionInEventLoop()
        return try body(&table.value)
    }
}
