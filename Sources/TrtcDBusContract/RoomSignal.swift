import TrtcCore
import TrtcDBus

/// The signals of `org.trtcd.Trtc1.Room` with their arguments (docs/spec.md §3).
public enum RoomSignal: Equatable, Sendable {
    /// Elapsed milliseconds (> 0) once admitted, or a negative TRTC error code when the entry failed.
    case enterRoom(result: Int64)
    case exitRoom(ExitReason)
    case remoteUserEnterRoom(userId: String)
    case remoteUserLeaveRoom(userId: String, reason: LeaveReason)
    case userVideoAvailable(userId: String, available: Bool)
    case userAudioAvailable(userId: String, available: Bool)
    case connectionLost
    case tryToReconnect
    case connectionRecovery
    /// About every 2 s in a room (TRTC's onStatistics).
    case statistics(RoomStatistics)
    /// With every `statistics`: our link and each remote user's (TRTC's onNetworkQuality), keyed by userId.
    case networkQuality(local: NetworkQuality, remote: [String: NetworkQuality])

    public var member: String {
        switch self {
        case .enterRoom: "EnterRoom"
        case .exitRoom: "ExitRoom"
        case .remoteUserEnterRoom: "RemoteUserEnterRoom"
        case .remoteUserLeaveRoom: "RemoteUserLeaveRoom"
        case .userVideoAvailable: "UserVideoAvailable"
        case .userAudioAvailable: "UserAudioAvailable"
        case .connectionLost: "ConnectionLost"
        case .tryToReconnect: "TryToReconnect"
        case .connectionRecovery: "ConnectionRecovery"
        case .statistics: "Statistics"
        case .networkQuality: "NetworkQuality"
        }
    }

    public var arguments: [DBusValue] {
        switch self {
        case .enterRoom(let result): [.int64(result)]
        case .exitRoom(let reason): [.int32(reason.rawValue)]
        case .remoteUserEnterRoom(let userId): [.string(userId)]
        case .remoteUserLeaveRoom(let userId, let reason): [.string(userId), .int32(reason.rawValue)]
        case .userVideoAvailable(let userId, let available), .userAudioAvailable(let userId, let available):
            [.string(userId), .boolean(available)]
        case .connectionLost, .tryToReconnect, .connectionRecovery: []
        case .statistics(let statistics): [statistics.dictionary]
        case .networkQuality(let local, let remote):
            [.int32(local.rawValue), .dictionary(key: .string, value: .int32, remote.sorted { $0.key < $1.key }.map {
                DBusDictEntry(key: .string($0.key), value: .int32($0.value.rawValue))
            })]
        }
    }

    /// Reads a received signal back; nil for members or arguments the interface does not define.
    public init?(member: String, arguments: [DBusValue]) {
        let first = arguments.first
        let second = arguments.count > 1 ? arguments[1] : nil
        let count = arguments.count
        switch member {
        case "EnterRoom":
            guard count == 1, case .int64(let result)? = first else { return nil }
            self = .enterRoom(result: result)
        case "ExitRoom":
            guard count == 1, case .int32(let raw)? = first, let reason = ExitReason(rawValue: raw) else { return nil }
            self = .exitRoom(reason)
        case "RemoteUserEnterRoom":
            guard count == 1, case .string(let userId)? = first else { return nil }
            self = .remoteUserEnterRoom(userId: userId)
        case "RemoteUserLeaveRoom":
            guard count == 2, case .string(let userId)? = first, case .int32(let raw)? = second,
                  let reason = LeaveReason(rawValue: raw) else { return nil }
            self = .remoteUserLeaveRoom(userId: userId, reason: reason)
        case "UserVideoAvailable", "UserAudioAvailable":
            guard count == 2, case .string(let userId)? = first, case .boolean(let available)? = second else { return nil }
            self = member == "UserVideoAvailable"
                ? .userVideoAvailable(userId: userId, available: available)
                : .userAudioAvailable(userId: userId, available: available)
        case "ConnectionLost" where count == 0: self = .connectionLost
        case "TryToReconnect" where count == 0: self = .tryToReconnect
        case "ConnectionRecovery" where count == 0: self = .connectionRecovery
        case "Statistics":
            guard count == 1, first?.signature == "a{sv}", let values = first?.stringKeyedDictionary,
                  let statistics = try? RoomStatistics(values) else { return nil }
            self = .statistics(statistics)
        case "NetworkQuality":
            guard count == 2, case .int32(let raw)? = first, let local = NetworkQuality(rawValue: raw),
                  case .dictionary(.string, .int32, let entries)? = second else { return nil }
            var remote: [String: NetworkQuality] = [:]
            for entry in entries {
                guard let userId = entry.key.string, case .int32(let level) = entry.value,
                      let quality = NetworkQuality(rawValue: level) else { return nil }
                remote[userId] = quality
            }
            self = .networkQuality(local: local, remote: remote)
        default: return nil
        }
    }

    /// Every member name, in the order the interface XML declares them.
    public static let members = [
        "EnterRoom", "ExitRoom", "RemoteUserEnterRoom", "RemoteUserLeaveRoom", "UserVideoAvailable",
        "UserAudioAvailable", "ConnectionLost", "TryToReconnect", "ConnectionRecovery", "Statistics", "NetworkQuality",
    ]
}
