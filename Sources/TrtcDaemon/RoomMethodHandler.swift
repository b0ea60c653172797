import Logging
import TrtcCore
import TrtcDBus

/// Maps org.trtcd.Trtc1.Room method calls onto the room controller. Argument signatures were already checked
/// against the introspection XML by TrtcDBus (InvalidArgs otherwise).
struct RoomMethodHandler: Sendable {
    let controller: RoomController
    let bus: BusConnection
    let callerVanished: AsyncStream<UInt64>.Continuation
    let logger: Logger

    func handle(_ call: DBusMethodCall) async throws {
        switch call.member {
        case "EnterRoom":
            guard let dict = call.arguments.first?.stringKeyedDictionary else {
                throw TrtcdError.invalidArgument(.enterRoomParamNull, "EnterRoom takes an a{sv} of parameters")
            }
            let params = try EnterParameters(dict)
            let sender = call.sender
            _ = try await controller.enterRoom(params) { [bus, callerVanished] id in
                try await bus.watchNameVanished(sender) { callerVanished.yield(id) }
            }
            try call.reply()
        case "ExitRoom":
            await controller.exitRoom()
            try call.reply()
        case "SwitchRole":
            guard let text = call.arguments.first?.string, let role = Role(rawValue: text) else {
                throw TrtcdError.invalidArgument(.enterRoomParamNull, "role must be anchor or audience")
            }
            try await controller.switchRole(role)
            try call.reply()
        case "StartLocalVideo", "StopLocalVideo", "StartLocalAudio", "StopLocalAudio", "MuteLocalVideo", "MuteLocalAudio",
             "StartRemoteVideo", "StopRemoteVideo", "MuteRemoteAudio":
            throw TrtcdError.notSupported("\(call.member) is not available yet: this trtcd has no media engine")
        default:
            throw DBusError(name: DBusError.unknownMethodName, message: "no method \(call.member)")
        }
    }
}
