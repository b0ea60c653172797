import TrtcCore
import TrtcDBus

/// EnterRoom's `a{sv}`: decoded and checked by trtcd (with the same identifier rules as the server), encoded by
/// clients such as trtcctl. One type, so both sides agree on every key.
public struct EnterParameters: Sendable, Equatable {
    public var sdkAppId: UInt32
    public var userId: String
    public var userSig: String
    public var room: RoomName
    public var scene: Scene
    public var role: Role
    public var server: String?
    public var bindToCaller: Bool
    /// Tencent's room permission ticket, passed to the server as it is (nil: none; an empty string counts as none).
    public var privateMapKey: String?

    public static let knownKeys: Set<String> = ["sdkAppId", "userId", "userSig", "roomId", "strRoomId", "scene", "role", "server",
                                                "bindToCaller", "privateMapKey"]

    public init(sdkAppId: UInt32, userId: String, userSig: String, room: RoomName, scene: Scene = .rtc, role: Role = .anchor,
                server: String? = nil, bindToCaller: Bool = false, privateMapKey: String? = nil) {
        self.sdkAppId = sdkAppId
        self.userId = userId
        self.userSig = userSig
        self.room = room
        self.scene = scene
        self.role = role
        self.server = server
        self.bindToCaller = bindToCaller
        self.privateMapKey = privateMapKey
    }

    /// The `a{sv}` EnterRoom takes (a variant dictionary).
    public var dictionary: DBusValue {
        var entries: [String: DBusValue] = [
            "sdkAppId": .uint32(sdkAppId), "userId": .string(userId), "userSig": .string(userSig),
            "scene": .string(scene.rawValue), "role": .string(role.rawValue),
        ]
        switch room {
        case .numeric(let id): entries["roomId"] = .uint32(id)
        case .string(let id): entries["strRoomId"] = .string(id)
        }
        if let server { entries["server"] = .string(server) }
        if bindToCaller { entries["bindToCaller"] = .boolean(true) }
        if let privateMapKey, !privateMapKey.isEmpty { entries["privateMapKey"] = .string(privateMapKey) }
        return .variantDictionary(entries)
    }

    public init(_ params: [String: DBusValue]) throws(DBusError) {
        if let unknown = params.keys.filter({ !Self.knownKeys.contains($0) }).sorted().first {
            throw TrtcdError.invalidArgument(.enterRoomParamNull,
                "unknown key \(unknown.debugDescription); known keys: \(Self.knownKeys.sorted().joined(separator: ", "))")
        }
        do {
            guard let rawAppId = params["sdkAppId"] else { throw TrtcError(.invalidSdkAppId, "sdkAppId is missing") }
            sdkAppId = try Identifiers.sdkAppId(try Self.integer(rawAppId, "sdkAppId", .invalidSdkAppId))
            let roomId = try params["roomId"].map { try Self.integer($0, "roomId", .invalidRoomId) }
            let strRoomId = try params["strRoomId"].map { try Self.string($0, "strRoomId", .invalidRoomId) }
            room = try Identifiers.roomName(roomId: roomId, strRoomId: strRoomId)
            guard let rawUserId = params["userId"] else { throw TrtcError(.invalidUserId, "userId is missing") }
            userId = try Identifiers.userId(try Self.string(rawUserId, "userId", .invalidUserId))
            guard let rawSig = params["userSig"] else { throw TrtcError(.invalidUserSig, "userSig is missing") }
            userSig = try Self.string(rawSig, "userSig", .invalidUserSig)
            guard !userSig.isEmpty else { throw TrtcError(.invalidUserSig, "userSig is empty") }
            scene = try params["scene"].map { value in
                let text = try Self.string(value, "scene", .enterRoomParamNull)
                guard let scene = Scene(rawValue: text) else {
                    throw TrtcError(.enterRoomParamNull, "scene must be rtc or live, not \(text.debugDescription)")
                }
                return scene
            } ?? .rtc
            role = try params["role"].map { value in
                let text = try Self.string(value, "role", .enterRoomParamNull)
                guard let role = Role(rawValue: text) else {
                    throw TrtcError(.enterRoomParamNull, "role must be anchor or audience, not \(text.debugDescription)")
                }
                return role
            } ?? .anchor
            server = try params["server"].map { value in
                let text = try Self.string(value, "server", .enterRoomParamNull)
                guard text.hasPrefix("ws://") || text.hasPrefix("wss://"), text.count > 6, text.utf8.count <= 2048 else {
                    throw TrtcError(.enterRoomParamNull, "server must be a ws:// or wss:// URL, not \(text.prefix(64).debugDescription)")
                }
                return text
            }
            bindToCaller = try params["bindToCaller"].map { value in
                guard let flag = value.unwrappedVariant.bool, case .boolean = value.unwrappedVariant else {
                    throw TrtcError(.enterRoomParamNull, "bindToCaller must be a boolean (b)")
                }
                return flag
            } ?? false
            privateMapKey = try params["privateMapKey"].flatMap { value in
                let text = try Self.string(value, "privateMapKey", .enterRoomParamNull)
                // The server checks it; only what can never be a key is refused here.
                guard text.utf8.count <= UserSig.maximumLength else {
                    throw TrtcError(.enterRoomParamNull, "privateMapKey is \(text.utf8.count) bytes, more than \(UserSig.maximumLength)")
                }
                return text.isEmpty ? nil : text
            }
        } catch let error as TrtcError {
            throw TrtcdError.invalidArgument(TrtcErrorCode(rawValue: error.code) ?? .enterRoomParamNull, error.message)
        } catch {
            throw TrtcdError.invalidArgument(.enterRoomParamNull, "\(error)")
        }
    }

    /// Any D-Bus integer type is accepted for ids, range-checked by the identifier rules.
    private static func integer(_ value: DBusValue, _ key: String, _ code: TrtcErrorCode) throws -> Int64 {
        switch value.unwrappedVariant {
        case .uint32(let v): return Int64(v)
        case .int32(let v): return Int64(v)
        case .int64(let v): return v
        case .uint64(let v): return v > UInt64(Int64.max) ? Int64.max : Int64(v)
        case .uint16(let v): return Int64(v)
        case .int16(let v): return Int64(v)
        case .byte(let v): return Int64(v)
        case let other: throw TrtcError(code, "\(key) must be an unsigned integer (u), not \(other.typeSignatureText)")
        }
    }

    private static func string(_ value: DBusValue, _ key: String, _ code: TrtcErrorCode) throws -> String {
        guard case .string(let text) = value.unwrappedVariant else {
            throw TrtcError(code, "\(key) must be a string (s), not \(value.unwrappedVariant.typeSignatureText)")
        }
        return text
    }

    public var roomText: String { room.description }
}

extension DBusValue {
    /// The D-Bus signature of this value, for error messages.
    public var typeSignatureText: String { signature }
}
