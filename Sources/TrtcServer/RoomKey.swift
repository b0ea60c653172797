import TrtcCore

/// Rooms are per application: the same room id in two apps is two rooms.
struct RoomKey: Hashable, Sendable, CustomStringConvertible {
    var sdkAppId: UInt32
    var room: RoomName

    var description: String { "\(sdkAppId)/\(room)" }
}
