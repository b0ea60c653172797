import Logging
import Synchronization
import TrtcCore

/// Owns the room table behind one lock. Signaling handlers call it straight from their event loops and the server
/// API and the departure sweep from their tasks: each change is a few dictionary operations and queue appends, so a
/// lock costs less than an actor hop per message, and needs no task per connection to await it.
final class RoomRegistry: Sendable {
    typealias APIOutcome = RoomTable.APIOutcome

    private let table: Mutex<RoomTable>

    init(configuration: ServerConfiguration, metrics: ServerMetrics, media: MediaRouter, mediaEndpoint: MediaEndpoint,
         logger: Logger) {
        table = Mutex(RoomTable(
            configuration: configuration, metrics: metrics, media: media, mediaEndpoint: mediaEndpoint, logger: logger))
    }

    func register(_ session: SignalingSession) { table.withLock { $0.register(session) } }
    func connectionClosed(_ session: SignalingSession) { table.withLock { $0.connectionClosed(session) } }
    func enter(_ admission: Admission, session: SignalingSession) { table.withLock { $0.enter(admission, session: session) } }
    func leave(seq: UInt32, session: SignalingSession) { table.withLock { $0.leave(seq: seq, session: session) } }

    func switchRole(seq: UInt32, role: Role, session: SignalingSession) {
        table.withLock { $0.switchRole(seq: seq, role: role, session: session) }
    }

    func publish(seq: UInt32, video: Bool?, audio: Bool?, session: SignalingSession) {
        table.withLock { $0.publish(seq: seq, video: video, audio: audio, session: session) }
    }

    func sweep(now: Int64) { table.withLock { $0.sweep(now: now) } }
    func removeUsers(_ userIds: [String], from key: RoomKey) -> APIOutcome { table.withLock { $0.removeUsers(userIds, from: key) } }
    func dismiss(_ key: RoomKey) -> APIOutcome { table.withLock { $0.dismiss(key) } }
    func shutdown() { table.withLock { $0.shutdown() } }
    var stats: ServerStats { table.withLock { $0.stats } }
}
