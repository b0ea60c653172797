/// A room is named by exactly one of roomId / strRoomId. Numeric room 123 and string room "123" are different rooms.
public enum RoomName: Hashable, Sendable, CustomStringConvertible {
    case numeric(UInt32)
    case string(String)

    /// The decimal number or the string itself (the D-Bus `RoomId` property's form).
    public var description: String {
        switch self {
        case .numeric(let id): String(id)
        case .string(let id): id
        }
    }
}
