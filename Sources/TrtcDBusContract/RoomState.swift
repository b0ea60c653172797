/// The values of the `State` property.
public enum RoomState: String, Sendable, CaseIterable {
    case idle
    case entering
    case inRoom = "in-room"
    case reconnecting
    case exiting
}
