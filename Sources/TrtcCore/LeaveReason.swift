/// Why a remote user left a room (the `RemoteUserLeaveRoom(s userId, i reason)` signal).
public enum LeaveReason: Int32, Sendable, Codable, CaseIterable {
    case left = 0
    case timedOut = 1
    case removedByServer = 2
    case switchedToAudience = 3
}
