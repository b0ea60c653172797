/// The daemon's `State` property.
enum RoomState: String, Sendable {
    case idle
    case entering
    case inRoom = "in-room"
    case reconnecting
    case exiting
}
