import TrtcCore
import TrtcDBus

/// Everything `trtcctl enter` sends, already validated: the `a{sv}` of `EnterRoom` (SPEC §3).
struct EnterParameters: Equatable {
    var sdkAppId: UInt32
    var userId: String
    var userSig: String
    var room: RoomName
    var scene: Scene
    var role: Role
    /// nil: the daemon's configured server.
    var server: String?

    var dictionary: DBusValue {
        var entries: [String: DBusValue] = [
            "sdkAppId": .uint32(sdkAppId), "userId": .string(userId), "userSig": .string(userSig),
            "scene": .string(scene.rawValue), "role": .string(role.rawValue),
        ]
        switch room {
        case .numeric(let id): entries["roomId"] = .uint32(id)
        case .string(let id): entries["strRoomId"] = .string(id)
        }
        if let server { entries["server"] = .string(server) }
        return .variantDictionary(entries)
    }
}
