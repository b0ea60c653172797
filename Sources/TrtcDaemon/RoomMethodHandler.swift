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
    /// StartLocal*'s `bindToCaller`.
    let captureBindings = CaptureCallerBindings()
    /// Camera and microphone only for sandboxed callers the user allowed them (docs/security.md M6).
    var sandboxPolicy: CallerSandboxPolicy { CallerSandboxPolicy(bus: bus) }

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
            let options = try LocalVideoOptions(dict)
            try await sandboxPolicy.check(sender: call.sender, device: "camera", method: call.member)
            try await controller.startLocalVideo(options)
            try await bindCapture(.video, to: call.sender, if: options.bindToCaller)
            try call.reply()
        case .startLocalAudio:
            guard let dict = call.arguments.first?.stringKeyedDictionary else {
                throw TrtcdError.invalidArgument(.enterRoomParamNull, "StartLocalAudio takes an a{sv} of options")
            }
            let options = try LocalAudioOptions(dict)
            try await sandboxPolicy.check(sender: call.sender, device: "microphone", method: call.member)
            try await controller.startLocalAudio(options)
            try await bindCapture(.audio, to: call.sender, if: options.bindToCaller)
            try call.reply()
        case .stopLocalVideo:
            captureBindings.captureStopped(.video)
            await controller.stopLocalVideo()
            try call.reply()
        case .stopLocalAudio:
            captureBindings.captureStopped(.audio)
            await controller.stopLocalAudio()
            try call.reply()
        case .muteLocalVideo, .muteLocalAudio:
            guard let mute = call.arguments.first?.bool else {
                throw TrtcdError.invalidArgument(.enterRoomParamNull, "\(call.member) takes a boolean (b)")
            }
            // Unmuting resumes sending what the device captures: the same permission as opening it.
            if !mute {
                try await sandboxPolicy.check(sender: call.sender, device: method == .muteLocalVideo ? "camera" : "microphone",
                                              method: call.member)
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

    /// After a successful StartLocal*: that capture now belongs to `sender` if `bind`, else to nobody; the capture
    /// is closed when a bound caller leaves the bus, unless another StartLocal*/StopLocal* came meanwhile.
    private func bindCapture(_ kind: CaptureCallerBindings.Kind, to sender: String, if bind: Bool) async throws {
        let generation = captureBindings.captureStarted(kind)
        guard bind else { return }
        let close: @Sendable () async -> Void = { [controller] in
            if kind == .video { await controller.stopLocalVideo() } else { await controller.stopLocalAudio() }
        }
        let watch: DBusNameWatch
        do {
            watch = try await bus.watchNameVanished(sender) { [captureBindings, logger] in
                guard captureBindings.callerLeft(kind, generation: generation) else { return }
                Task {
                    logger.info("the caller that bound the \(kind == .video ? "camera" : "microphone") left the bus; closing it")
                    await close()
                }
            }
        } catch {
            // The capture must not outlive a caller that asked for the binding: without a watch it closes now.
            if captureBindings.callerLeft(kind, generation: generation) { await close() }
            throw error
        }
        captureBindings.bind(kind, generation: generation, watch: watch)
    }
}
