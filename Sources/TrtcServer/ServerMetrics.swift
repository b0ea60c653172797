import Prometheus

/// The server's Prometheus metrics, served at GET /metrics. Owned by the application, passed explicitly
/// (no process-wide metrics system), so tests and benchmarks can run several servers in one process.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let rooms: Gauge
    let users: Gauge
    let joins: Counter
    let leaves: Counter
    let kicksDuplicate: Counter
    let kicksRemoved: Counter
    let kicksDismissed: Counter
    let timeouts: Counter
    let messagesIn: Counter
    let messagesOut: Counter
    let badMessages: Counter
    let stateChangesRefused: Counter
    let permissionRefusals: Counter
    let roomEntriesThrottled: Counter
    let connections: Gauge
    let refusedServerFull: Counter
    let refusedAddressFull: Counter
    let requestHeadTimeouts: Counter
    let enterTimeouts: Counter
    let amplificationCloses: Counter
    let apiOK: Counter
    let apiFailed: Counter
    let media: MediaMetrics
    // Cluster mode (docs/cluster.md); present and zero on a single node.
    let clusterLeaseHeld: Gauge
    let clusterFences: Counter
    let clusterDatabaseErrors: Counter
    let clusterPlacementsLocal: Counter
    let clusterRedirects: Counter
    let clusterPlacementsRefused: Counter
    let clusterEntriesHeld: Counter
    let clusterCommandsExecuted: Counter
    let clusterCommandsForwarded: Counter

    public init() {
        rooms = registry.makeGauge(descriptor: .init(metricName: "trtc_rooms", unitName: "", helpText: "Rooms that exist now"))
        users = registry.makeGauge(descriptor: .init(metricName: "trtc_users", unitName: "", helpText: "Users in rooms now"))
        connections = registry.makeGauge(descriptor: .init(metricName: "trtc_signaling_connections", unitName: "", helpText: "Open signaling connections"))
        let refusedHelp = "TCP connections closed at accept, by the cap they would have exceeded"
        refusedServerFull = registry.makeCounter(descriptor: .init(metricName: "trtc_connections_refused_total", unitName: "", helpText: refusedHelp), labels: [("reason", ConnectionLimiter.Refusal.serverFull.rawValue)])
        refusedAddressFull = registry.makeCounter(descriptor: .init(metricName: "trtc_connections_refused_total", unitName: "", helpText: refusedHelp), labels: [("reason", ConnectionLimiter.Refusal.addressFull.rawValue)])
        let timeoutHelp = "Connections closed for being too slow before authenticating, by what they had not sent in time"
        requestHeadTimeouts = registry.makeCounter(descriptor: .init(metricName: "trtc_connection_timeouts_total", unitName: "", helpText: timeoutHelp), labels: [("phase", "request-head")])
        enterTimeouts = registry.makeCounter(descriptor: .init(metricName: "trtc_connection_timeouts_total", unitName: "", helpText: timeoutHelp), labels: [("phase", "enter")])
        amplificationCloses = registry.makeCounter(descriptor: .init(metricName: "trtc_amplification_closes_total", unitName: "", helpText: "Unauthenticated connections closed rather than sent an answer larger than what they had sent"))
        joins = registry.makeCounter(descriptor: .init(metricName: "trtc_joins_total", unitName: "", helpText: "Users admitted to a room"))
        leaves = registry.makeCounter(descriptor: .init(metricName: "trtc_leaves_total", unitName: "", helpText: "Users who left by themselves"))
        let kickHelp = "Users forced out of a room, by reason"
        kicksDuplicate = registry.makeCounter(descriptor: .init(metricName: "trtc_kicks_total", unitName: "", helpText: kickHelp), labels: [("reason", "duplicate")])
        kicksRemoved = registry.makeCounter(descriptor: .init(metricName: "trtc_kicks_total", unitName: "", helpText: kickHelp), labels: [("reason", "removed")])
        kicksDismissed = registry.makeCounter(descriptor: .init(metricName: "trtc_kicks_total", unitName: "", helpText: kickHelp), labels: [("reason", "dismissed")])
        timeouts = registry.makeCounter(descriptor: .init(metricName: "trtc_departure_timeouts_total", unitName: "", helpText: "Users removed for silence"))
        let messageHelp = "Signaling messages, by direction"
        messagesIn = registry.makeCounter(descriptor: .init(metricName: "trtc_signaling_messages_total", unitName: "", helpText: messageHelp), labels: [("direction", "in")])
        messagesOut = registry.makeCounter(descriptor: .init(metricName: "trtc_signaling_messages_total", unitName: "", helpText: messageHelp), labels: [("direction", "out")])
        badMessages = registry.makeCounter(descriptor: .init(metricName: "trtc_signaling_bad_messages_total", unitName: "", helpText: "Signaling messages answered with an error"))
        stateChangesRefused = registry.makeCounter(descriptor: .init(metricName: "trtc_signaling_state_changes_refused_total", unitName: "", helpText: "enter, publish and switchRole refused because the session asked for more than 10 per second"))
        permissionRefusals = registry.makeCounter(descriptor: .init(metricName: "trtc_private_map_key_refusals_total", unitName: "", helpText: "enter and publish refused for a missing, invalid or insufficient privateMapKey"))
        roomEntriesThrottled = registry.makeCounter(descriptor: .init(metricName: "trtc_room_entries_throttled_total", unitName: "", helpText: "enter refused because the user entered more rooms per minute than allowed"))
        let apiHelp = "Server API requests, by result"
        apiOK = registry.makeCounter(descriptor: .init(metricName: "trtc_api_requests_total", unitName: "", helpText: apiHelp), labels: [("result", "ok")])
        apiFailed = registry.makeCounter(descriptor: .init(metricName: "trtc_api_requests_total", unitName: "", helpText: apiHelp), labels: [("result", "error")])
        media = MediaMetrics(registry: registry)
        clusterLeaseHeld = registry.makeGauge(descriptor: .init(metricName: "trtc_cluster_lease_held", unitName: "", helpText: "1 while this node holds its cluster lease"))
        clusterFences = registry.makeCounter(descriptor: .init(metricName: "trtc_cluster_fences_total", unitName: "", helpText: "Times this node stopped serving because its lease could not be renewed"))
        clusterDatabaseErrors = registry.makeCounter(descriptor: .init(metricName: "trtc_cluster_database_errors_total", unitName: "", helpText: "Cluster database statements that failed"))
        let placementHelp = "Entries that needed a room placement, by outcome"
        clusterPlacementsLocal = registry.makeCounter(descriptor: .init(metricName: "trtc_cluster_placements_total", unitName: "", helpText: placementHelp), labels: [("outcome", "local")])
        clusterRedirects = registry.makeCounter(descriptor: .init(metricName: "trtc_cluster_placements_total", unitName: "", helpText: placementHelp), labels: [("outcome", "redirect")])
        clusterPlacementsRefused = registry.makeCounter(descriptor: .init(metricName: "trtc_cluster_placements_total", unitName: "", helpText: placementHelp), labels: [("outcome", "refused")])
        clusterEntriesHeld = registry.makeCounter(descriptor: .init(metricName: "trtc_cluster_entries_held_total", unitName: "", helpText: "Entries held until the lease of their room's owner ended, because it had stopped renewing"))
        let commandHelp = "Server-API commands between nodes, by direction"
        clusterCommandsExecuted = registry.makeCounter(descriptor: .init(metricName: "trtc_cluster_commands_total", unitName: "", helpText: commandHelp), labels: [("direction", "executed")])
        clusterCommandsForwarded = registry.makeCounter(descriptor: .init(metricName: "trtc_cluster_commands_total", unitName: "", helpText: commandHelp), labels: [("direction", "forwarded")])
    }

    func refused(_ refusal: ConnectionLimiter.Refusal) -> Counter {
        switch refusal {
        case .serverFull: refusedServerFull
        case .addressFull: refusedAddressFull
        }
    }
}
