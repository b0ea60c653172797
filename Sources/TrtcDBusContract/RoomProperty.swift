import TrtcCore
import TrtcDBus

/// The properties of `org.trtcd.Trtc1.Room` (all read-only; changes come as PropertiesChanged).
public enum RoomProperty: String, CaseIterable, Sendable {
    case state = "State"
    case roomId = "RoomId"
    case userId = "UserId"
    case role = "Role"
    case remoteUsers = "RemoteUsers"
    case localVideo = "LocalVideo"
    case localAudio = "LocalAudio"
    /// The latest `Statistics` signal's value while in a room, `{}` otherwise. It changes every 2 s without
    /// PropertiesChanged (the signal is the notification).
    case statistics = "Statistics"

    /// The values of a daemon that is in no room and has no device open.
    public static let idleValues: [RoomProperty: DBusValue] = [
        .state: .string(RoomState.idle.rawValue), .roomId: "", .userId: "", .role: .string(Role.anchor.rawValue),
        .remoteUsers: .stringArray([]), .localVideo: false, .localAudio: false,
        .statistics: .variantDictionary([:]),
    ]

    /// Properties whose changes are not announced with PropertiesChanged (XML annotation EmitsChangedSignal false).
    public static let quiet: Set<RoomProperty> = [.statistics]
}

extension Dictionary where Key == RoomProperty, Value == DBusValue {
    /// Keyed by property name, as the bus carries them.
    public var byName: [String: DBusValue] {
        Dictionary<String, DBusValue>(uniqueKeysWithValues: map { ($0.key.rawValue, $0.value) })
    }
}
