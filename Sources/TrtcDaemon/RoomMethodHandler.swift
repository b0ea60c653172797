import Logging
import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// Maps org.trtcd.Trtc1.Room method calls onto the room controller. Argument signatures were already checked
/// against the introspection XML by TrtcDBus (InvalidArgs otherwise).
struct RoomMethodHandler: Sendable {
    let controller: RoomController
    let bus: BusConnection
    let callerVanished: AsyncStream<UInt64>.Continuation
    let logger: Logger

    func handle(_ call: DBusMethodCall) async throws {
        guard let method = RoomMethod(rawValue: call.member) else {
            throw DBusError(name: DBusError.unknownMethodName, message: "no method \(call.member)")
        }
        switch method {
        case .enterRoom:
            guard let dict = call.arguments.first?.stringKeyedDictionary else {
                throw TrtcdError.invalidArgument(.enterRoomParamNull, "EnterRoom takes an a{sv} of parameters")
            }
            let params = try EnterParameters(dict)
            let sender = call.sender
            _ = try await controller.enterRoom(params) { [bus, callerVanished] id in
                try await bus.watchNameVanished(sender) { callerVanished.yield(id) }
            }
            try call.reply()
        case .exitRoom:
            await controller.exitRoom()
            try call.reply()
        case .switchRole:
            guard let text = call.arguments.first?.string, let role = Role(rawValue: text) else {
                throw TrtcdError.invalidArgument(.enterRoomParamNull, "role must be anchor or audience")
            }
            try await controller.switchRole(role)
            try call.reply()
        case .startLocalVideo:
            guard let dict = call.arguments.first?.stringKeyedDictionary else {
                throw TrtcdError.invalidArgument(.enterRoomParamNull, "StartLocalVideo takes an a{sv} of options")
            }
            try await controller.startLocalVideo(try LocalVideoOptions(dict))
            try call.reply()
        case .startLocalAudio:
            guard let dict = call.arguments.first?.stringKeyedDictionary else {
                throw TrtcdError.invalidArgument(.enterRoomParamNull, "StartLocalAudio takes an a{sv} of options")
            }
            try await controller.startLocalAudio(try LocalAudioOptions(dict))
            try call.reply()
        case .stopLocalVideo:
            await controller.stopLocalVideo()
            try call.reply()
        case .stopLocalAudio:
            await controller.stopLocalAudio()
            try call.reply()
        case .muteLocalVideo, .muteLocalAudio:
            guard let mute = call.arguments.first?.bool else {
                throw TrtcdError.invalidArgument(.enterRoomParamNull, "\(call.member) takes a boolean (b)")
            }
            if method == .muteLocalVideo { await controller.muteLocalVideo(mute) } else { await controller.muteLocalAudio(mute) }
            try call.reply()
        case .startRemoteVideo, .stopRemoteVideo:
            guard call.arguments.count == 2, let userId = call.arguments[0].string, let streamType = call.arguments[1].string else {
                throw TrtcdError.invalidArgument(.enterRoomParamNull, "\(call.member) takes a userId and a streamType (ss)")
            }
            if method == .startRemoteVideo {
                let nodeId = try await controller.startRemoteVideo(userId: userId, streamType: streamType)
                try call.reply(.uint32(nodeId))
            } else {
                try await controller.stopRemoteVideo(userId: userId, streamType: streamType)
                try call.reply()
            }
        case .muteRemoteAudio:
            guard call.arguments.count == 2, let userId = call.arguments[0].string, let mute = call.arguments[1].bool else {
                throw TrtcdError.invalidArgument(.enterRoomParamNull, "MuteRemoteAudio takes a userId and a boolean (sb)")
            }
            try await controller.muteRemoteAudio(userId: userId, mute: mute)
            try call.reply()
        }
    }
}
