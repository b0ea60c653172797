/// Why the local user left a room (the `ExitRoom(i reason)` signal).
public enum ExitReason: Int32, Sendable, Codable, CaseIterable {
    case exitRoom = 0
    case removedByServer = 1
    case roomDismissed = 2
    case kickedByDuplicateUser = 3
}
