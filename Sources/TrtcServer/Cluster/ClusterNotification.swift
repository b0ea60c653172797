import Foundation

/// A payload on `ClusterStore.channel`, which every node listens to (unit-tested in CommandLedgerTests).
enum ClusterNotification: Sendable, Equatable {
    /// `command NODE`: NODE has commands to claim (a command too long to travel in a notification).
    case scan(nodeId: String)
    /// `run INCARNATION ID KIND BODY`: command ID, for that incarnation to run at once.
    case run(incarnation: UUID, command: ClaimedCommand)
    /// `result ID`: command ID has its result stored.
    case result(id: Int64)

    /// Bodies up to this many bytes travel in the notification (PostgreSQL's payload limit is 8000 bytes).
    static let maxBodyBytes = 7_000

    init?(payload: String) {
        if payload.hasPrefix("command ") {
            self = .scan(nodeId: String(payload.dropFirst(8)))
        } else if payload.hasPrefix("result "), let id = Int64(payload.dropFirst(7)) {
            self = .result(id: id)
        } else if payload.hasPrefix("run ") {
            let parts = payload.dropFirst(4).split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, let incarnation = UUID(uuidString: String(parts[0])), let id = Int64(parts[1]),
                  !parts[2].isEmpty else { return nil }
            self = .run(incarnation: incarnation, command: ClaimedCommand(id: id, kind: String(parts[2]), body: String(parts[3])))
        } else {
            return nil
        }
    }
}
