import Logging
import NIOConcurrencyHelpers
import TrtcCore

/// Owns the room table behind one lock. Signaling handlers call it straight from their event loops and the server
/// API and the departure sweep from their tasks: each change is a few dictionary operations and queue appends, so a
/// lock costs less than an actor hop per message, and needs no task per connection to await it. (NIO's lock, a plain
/// pthread mutex: the standard library's `Mutex` is a priority-inheritance futex on Linux, which under contention
/// always sleeps in the kernel, and showed as 12 % of the server's CPU while rooms filled.)
final class RoomRegistry: Sendable {
    typealias APIOutcome = RoomTable.APIOutcome

    private let table: NIOLockedValueBox<RoomTable>
    /// Cluster mode: where rooms are placed and leases kept; nil on the embedded single node.
    let cluster: ClusterNode?

    init(configuration: ServerConfiguration, metrics: ServerMetrics, media: MediaRouter, mediaEndpoint: MediaEndpoint,
         logger: Logger, cluster: ClusterNode? = nil) {
        self.cluster = cluster
        var releaseRoom: (@Sendable (RoomKey, RoomClaim) -> Void)?
        if let releases = cluster?.releases {
            releaseRoom = { key, claim in releases.yield((key, claim)) }
        }
        table = NIOLockedValueBox(RoomTable(
            configuration: configuration, metrics: metrics, media: media, mediaEndpoint: mediaEndpoint, logger: logger,
            releaseRoom: releaseRoom))
    }

    func register(_ session: SignalingSession) { table.withLockedValue { $0.register(session) } }
    func connectionClosed(_ session: SignalingSession) { table.withLockedValue { $0.connectionClosed(session) } }
    /// Admits at once on a single node, and in a cluster into a room this node has; any other cluster entry waits
    /// for its placement (ClusterService), which either admits it here (`enterPlaced`) or redirects it.
    func enter(_ admission: Admission, session: SignalingSession) {
        guard let cluster else {
            table.withLockedValue { $0.enter(admission, session: session) }
            return
        }
        guard cluster.isServing else {
            session.send(.error(.refused("this node is not serving: it holds no cluster lease now", seq: admission.seq)))
            return
        }
        let admitted = table.withLockedValue { table in
            // Already a member: the table refuses it, without a placement or a redirect.
            guard table.hasRoom(admission.key) || table.isMember(session) else { return false }
            table.enter(admission, session: session)
            return true
        }
        if !admitted { cluster.placements.yield(PlacementJob(admission: admission, session: session)) }
    }

    /// The cluster placed the room on this node.
    func enterPlaced(_ admission: Admission, session: SignalingSession, claim: RoomClaim) {
        table.withLockedValue { $0.enterPlaced(admission, session: session, claim: claim) }
    }

    func fence(reason: String) { table.withLockedValue { $0.fence(reason: reason) } }
    var claimedRoomKeys: [String] { table.withLockedValue { $0.claimedRoomKeys } }
    func leave(seq: UInt32, session: SignalingSession) { table.withLockedValue { $0.leave(seq: seq, session: session) } }

    func switchRole(seq: UInt32, role: Role, session: SignalingSession) {
        table.withLockedValue { $0.switchRole(seq: seq, role: role, session: session) }
    }

    func publish(seq: UInt32, video: Bool?, audio: Bool?, session: SignalingSession) {
        table.withLockedValue { $0.publish(seq: seq, video: video, audio: audio, session: session) }
    }

    func renegotiate(seq: UInt32, sdp: String, streams: [StreamRequest], session: SignalingSession) {
        table.withLockedValue { $0.renegotiate(seq: seq, sdp: sdp, streams: streams, session: session) }
    }

    func sweep(now: Int64) { table.withLockedValue { $0.sweep(now: now) } }
    func removeUsers(_ userIds: [String], from key: RoomKey) -> APIOutcome { table.withLockedValue { $0.removeUsers(userIds, from: key) } }
    /// The room is gone for everyone at once (under the lock); its members are told afterwards, so that a thousand
    /// `exit`s do not hold up every other room's signaling.
    func dismiss(_ key: RoomKey) -> APIOutcome {
        guard let sessions = table.withLockedValue({ $0.dismiss(key) }) else { return .roomNotExist }
        SignalingSession.sendThenClose(
            SignalingSession.payload(.exit(reason: .roomDismissed, message: "the room was dismissed by the server API")),
            to: sessions)
        return .done
    }
    func shutdown() { table.withLockedValue { $0.shutdown() } }
    var stats: ServerStats { table.withLockedValue { $0.stats } }
}
