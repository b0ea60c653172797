import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// EnterRoom, ExitRoom, SwitchRole and the end of an entry.
extension RoomStateMachine {
    /// EnterRoom: starts an entry; the call is answered by a later `completeEnter`.
    mutating func enterRoom(_ params: EnterParameters, defaultServer: String, now: ContinuousClock.Instant) throws(DBusError) -> [RoomAction] {
        guard case .idle = state else {
            let current = entry
            throw TrtcdError.alreadyInRoom(
                "already \(roomState.rawValue) room \(current?.params.roomText ?? "") as \(current?.params.userId ?? ""); call ExitRoom first")
        }
        let server = params.server ?? defaultServer
        let entry = Entry(id: nextEntryId(), params: params, server: server, startedAt: now,
                          role: params.scene == .rtc ? .anchor : params.role)
        var actions = [transition(to: .entering(entry), extra: [
            .roomId: .string(params.roomText), .userId: .string(params.userId), .role: .string(entry.role.rawValue),
        ])]
        actions.append(.log(.info, "entering room \(params.roomText) as \(params.userId) through \(server)"))
        if params.bindToCaller { actions.append(.watchCaller(entryId: entry.id)) }
        actions.append(.startSession(entryId: entry.id, server: server))
        return actions
    }

    /// ExitRoom: the active exit, in SPEC's order. The call is answered by `finishExitWaiters` (at once when idle).
    mutating func exitRoom() -> [RoomAction] {
        switch state {
        case .idle, .exiting:
            // Idle: nothing to do; exiting: the call waits for the exit in progress.
            return state == .idle ? [.finishExitWaiters] : []
        case .entering(let current):
            var actions = [transition(to: .exiting(current, .entryCancelled)), .log(.info, "entry cancelled by ExitRoom")]
            if current.connection != nil { actions.append(.sendLeave) }
            actions.append(.releaseDevices)
            return actions
        case .inRoom(let current), .reconnecting(let current, _):
            // 1. Tell the server (the others get RemoteUserLeaveRoom(me, 0)); 2.–3. release the devices; 4. signal.
            return [transition(to: .exiting(current, .exitRoom)), current.connection != nil ? .requestLeave : .releaseDevices]
        }
    }

    /// The server confirmed the leave, or did not within the time allowed.
    mutating func leaveAnswered(confirmed: Bool) -> [RoomAction] {
        guard case .exiting(_, .exitRoom) = state else { return [] }
        var actions: [RoomAction] = confirmed ? [] : [.log(.warning, "trtc-server did not confirm the leave")]
        actions.append(.releaseDevices)
        return actions
    }

    /// The capture streams are closed: the exit ends with its signal (devices are released before it, SPEC §3).
    mutating func devicesReleased() -> [RoomAction] {
        videoOpen = false
        audioOpen = false
        videoMuted = false
        audioMuted = false
        var actions: [RoomAction] = [.setProperties([.localVideo: false, .localAudio: false])]
        guard case .exiting(let current, let cause) = state else { return actions }
        var told: [RoomAction]
        switch cause {
        case .exitRoom:
            told = [.emit(.exitRoom(.exitRoom)), .log(.info, "exited room \(current.params.roomText)")]
        case .forced(let reason):
            told = [.emit(.exitRoom(reason))]
        case .entryCancelled:
            told = failEnter(current, TrtcdError.cancelled("ExitRoom was called while entering"), code: Int64(TrtcdError.cancelledCode))
        }
        // The release closed the transport and the remote streams already. The properties go back to idle before
        // the signal, so a client that reads State when the signal arrives sees idle; ExitRoom's reply (among the
        // rest of `clear`) comes after the signal.
        let cleared = clear(mediaReleased: true)
        let properties = cleared.filter { if case .setProperties = $0 { true } else { false } }
        let rest = cleared.filter { if case .setProperties = $0 { false } else { true } }
        return actions + properties + told + rest
    }

    /// The caller of a `bindToCaller` entry left the bus: exit as if it had called ExitRoom.
    mutating func callerVanished(entryId: UInt64) -> [RoomAction] {
        guard isCurrent(entryId) else { return [] }
        return [.log(.info, "the caller that entered left the bus; exiting the room")] + exitRoom()
    }

    /// SwitchRole, before asking the server: checks, and an audience member stops sending at once.
    /// Returns nil when there is nothing to change.
    mutating func switchRole(_ role: Role) throws(DBusError) -> [RoomAction]? {
        guard case .inRoom(let current) = state else { throw TrtcdError.notInRoom("SwitchRole needs a room; call EnterRoom first") }
        guard current.params.scene == .live else {
            throw TrtcdError.from(TrtcError(.refused, "roles apply to the live scene; in rtc every member is an anchor"))
        }
        if current.role == role { return nil }
        // An audience member sends nothing: stop before the server stops accepting it.
        return role == .audience ? [.setSending(PublishFlags())] : []
    }

    /// The server's answer to `switchRole` (nil: none in time).
    mutating func roleSwitchAnswered(_ role: Role, _ answer: ServerMessage?) throws(DBusError) -> [RoomAction] {
        guard let answer else { throw TrtcdError.from(TrtcError(.connectFailed, "trtc-server did not answer")) }
        if case .error(let error) = answer { throw TrtcdError.from(error.trtcError) }
        guard entry != nil else { return [] }
        updateEntry {
            $0.role = role
            if role == .audience { $0.announced = PublishFlags() }
        }
        return [.setProperties([.role: .string(role.rawValue)]), .syncPublishing]
    }

    /// EnterRoom failed: its signal carries the code, its call the error.
    func failEnter(_ entry: Entry, _ error: DBusError, code: Int64) -> [RoomAction] {
        [.emit(.enterRoom(result: code)), .completeEnter(entryId: entry.id, .failure(error))]
    }

    /// Back to idle: the connection closed, the media transport and remote streams gone (unless `mediaReleased`
    /// says they are already), the properties reset, waiting exits answered.
    mutating func clear(mediaReleased: Bool = false) -> [RoomAction] {
        state = .idle
        publishInFlight = nil
        var properties = RoomProperty.idleValues
        // Capture opened before an entry that failed stays open (a device is closed only by an exit or Stop*).
        properties[.localVideo] = .boolean(videoOpen)
        properties[.localAudio] = .boolean(audioOpen)
        let media: [RoomAction] = mediaReleased ? [] : [.detachMedia, .closeRemoteMedia]
        return [.cancelCallerWatch, .closeConnection, .failPendingRequests] + media + [.setProperties(properties), .finishExitWaiters]
    }
}
