import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// Local devices, what is published, and remote media choices.
///
/// Publishing a kind needs: its capture open, not muted, the anchor role, and being in the room. The server is told
/// with `publish` (or the `enter` flags); RTP flows only once it acknowledged, since it drops RTP of a kind that is not
/// published. Turning a kind off stops sending first, then tells the server.
extension RoomStateMachine {
    /// What we should publish now.
    func wantedPublishing() -> PublishFlags {
        guard let current = entry, current.role == .anchor else { return PublishFlags() }
        return PublishFlags(video: videoOpen && !videoMuted && !current.denied.video,
                            audio: audioOpen && !audioMuted && !current.denied.audio)
    }

    /// StartLocalVideo / StartLocalAudio may open a device now (NotPermitted for an audience member or while exiting).
    func checkMayPublish(_ method: RoomMethod) throws(DBusError) {
        if let current = entry, current.role == .audience {
            throw TrtcdError.notPermitted("\(method.rawValue): an audience member cannot publish; SwitchRole(\"anchor\") first")
        }
        if case .exiting = state { throw TrtcdError.notPermitted("\(method.rawValue): the room is being exited") }
    }

    /// A capture stream opened.
    mutating func deviceOpened(_ kind: MediaKind) -> [RoomAction] {
        switch kind {
        case .video: videoOpen = true
        case .audio: audioOpen = true
        }
        return [.setProperties([kind == .video ? .localVideo : .localAudio: true]), .syncPublishing]
    }

    /// Before a capture stream closes (StopLocal*): its kind stops being sent first.
    func deviceClosing(_ kind: MediaKind) -> [RoomAction] {
        let announced = entry?.announced ?? PublishFlags()
        let wanted = wantedPublishing()
        return [.setSending(PublishFlags(video: kind == .video ? false : announced.video && wanted.video,
                                         audio: kind == .audio ? false : announced.audio && wanted.audio))]
    }

    /// A capture stream closed (StopLocal*, or the device went away by itself).
    mutating func deviceClosed(_ kind: MediaKind) -> [RoomAction] {
        switch kind {
        case .video: videoOpen = false
        case .audio: audioOpen = false
        }
        return [.setProperties([kind == .video ? .localVideo : .localAudio: false]), .syncPublishing]
    }

    /// MuteLocalVideo / MuteLocalAudio: the device stays open, nothing of it is sent.
    mutating func mute(_ kind: MediaKind, _ muted: Bool) -> [RoomAction] {
        switch kind {
        case .video: videoMuted = muted
        case .audio: audioMuted = muted
        }
        return [.syncPublishing]
    }

    /// One step of bringing the server's view (`announced`) and the senders in line with `wantedPublishing()`:
    /// what may be sent now and, when the server must be told and no request is in flight, the `publish` to send.
    /// Whatever is no longer wanted stops at once; new kinds start after the server's ack.
    mutating func publishStep() -> (actions: [RoomAction], request: PublishRequest?) {
        let wanted = wantedPublishing()
        let announced = entry?.announced ?? PublishFlags()
        let actions: [RoomAction] = [.setSending(PublishFlags(video: announced.video && wanted.video, audio: announced.audio && wanted.audio))]
        guard publishInFlight == nil, case .inRoom(let current) = state, let connection = current.connection,
              wanted != announced
        else { return (actions, nil) }
        let request = PublishRequest(video: wanted.video != announced.video ? wanted.video : nil,
                                     audio: wanted.audio != announced.audio ? wanted.audio : nil,
                                     connection: connection)
        publishInFlight = request
        return (actions, request)
    }

    /// The answer to `request` (nil: none in time). `again`: run `publishStep()` once more.
    mutating func publishAnswered(_ request: PublishRequest, _ answer: ServerMessage?) -> (actions: [RoomAction], again: Bool) {
        guard publishInFlight == request else { return ([], true) }
        publishInFlight = nil
        // A reconnect meanwhile re-entered with fresh flags; the next step re-checks against those.
        guard entry?.connection == request.connection else { return ([], true) }
        guard case .ack = answer else {
            if case .error(let error)? = answer, error.code == TrtcErrorCode.invalidPrivateMapKey.rawValue {
                updateEntry {
                    if request.video == true { $0.denied.video = true }
                    if request.audio == true { $0.denied.audio = true }
                }
            }
            return ([.log(.warning, "trtc-server did not accept publish: \(answer.map { "\($0)" } ?? "no answer")")], false)
        }
        updateEntry {
            if let video = request.video { $0.announced.video = video }
            if let audio = request.audio { $0.announced.audio = audio }
        }
        return ([], true)
    }

    // MARK: remote media

    /// Plays `userId`'s audio when it publishes audio, is in the room and is not muted; else stops playing it.
    func remoteAudio(_ userId: String) -> RoomAction {
        let live = switch state {
        case .entering, .inRoom, .reconnecting: true
        case .idle, .exiting: false
        }
        let ssrc = live && entry?.remoteAudioMuted.contains(userId) == false ? entry?.remote[userId]?.audioSsrc : nil
        return .setRemoteAudio(userId: userId, ssrc: ssrc)
    }

    /// MuteRemoteAudio: the choice holds until the room is left, also for a user who enters later.
    mutating func muteRemoteAudio(userId: String, mute: Bool) throws(DBusError) -> [RoomAction] {
        do {
            _ = try Identifiers.userId(userId)
        } catch {
            throw TrtcdError.from(error)
        }
        switch state {
        case .inRoom, .reconnecting: break
        default: throw TrtcdError.notInRoom("MuteRemoteAudio needs a room; call EnterRoom first")
        }
        updateEntry {
            if mute { $0.remoteAudioMuted.insert(userId) } else { $0.remoteAudioMuted.remove(userId) }
        }
        return [remoteAudio(userId)]
    }

    /// StartRemoteVideo's checks: a known stream type, in a room, of a user who is there.
    func remoteVideoToStart(userId: String, streamType: String) throws(DBusError) -> RemoteVideoKey {
        let key = try Self.remoteVideoKey(userId: userId, streamType: streamType)
        switch state {
        case .inRoom(let current), .reconnecting(let current, _):
            guard current.remote[userId] != nil else {
                throw TrtcdError.invalidArgument(.enterRoomParamNull, "StartRemoteVideo: no user \(userId.prefix(40).debugDescription) in the room")
            }
            return key
        default:
            throw TrtcdError.notInRoom("StartRemoteVideo needs a room; call EnterRoom first")
        }
    }

    static func remoteVideoKey(userId: String, streamType: String) throws(DBusError) -> RemoteVideoKey {
        guard streamType == "main" || streamType == "sub" else {
            throw TrtcdError.invalidArgument(.enterRoomParamNull, "streamType must be main or sub, not \(streamType.prefix(40).debugDescription)")
        }
        return RemoteVideoKey(userId: userId, streamType: streamType)
    }
}
