import TrtcCore
import TrtcDBus
import TrtcDBusContract

/// The room session's events: a connection opened, a server message, a connection ended.
extension RoomStateMachine {
    /// A connection of entry `entryId` is open: `sendEnter`, or `closeConnection` when the entry is no longer wanted.
    mutating func sessionConnected(_ entryId: UInt64) -> [RoomAction] {
        guard let current = entry, current.id == entryId else { return [.closeConnection] }
        if case .exiting = state { return [.closeConnection] }
        // Capture opened before (or while) entering is published from the first moment.
        let wanted = wantedPublishing()
        updateEntry {
            $0.connectionsOpened += 1
            $0.connection = $0.connectionsOpened
            $0.announced = wanted
        }
        let params = current.params
        return [.sendEnter(EnterRequest(seq: 0, sdkAppId: params.sdkAppId, userId: params.userId, userSig: params.userSig,
                                        room: params.room, scene: params.scene, role: current.role,
                                        video: wanted.video, audio: wanted.audio, privateMapKey: params.privateMapKey))]
    }

    /// A server message on a connection of entry `entryId` (answers to requests were taken already).
    /// Returns an outcome when the session is over.
    mutating func sessionMessage(_ entryId: UInt64, _ message: ServerMessage, now: ContinuousClock.Instant)
        -> (actions: [RoomAction], outcome: SessionOutcome?)
    {
        guard let current = entry, current.id == entryId else {
            // Admitted after the entry was abandoned: leave properly rather than linger as a ghost.
            if case .entered = message { return ([.leaveStaleConnection], .finished) }
            return ([], .finished)
        }
        switch message {
        case .hello, .pong, .ack, .answer:
            // `answer` goes only to browsers (SDP offers); trtcd never makes one.
            return ([], nil)
        case .entered(let entered):
            return (admitted(current, entered, now: now), nil)
        case .error(let error):
            switch state {
            case .entering, .reconnecting: return ([], .refused(error))
            default: return ([.log(.warning, "trtc-server error: \(error)")], nil)
            }
        case .userEnter(let userId, _):
            guard current.remote[userId] == nil else { return ([], nil) }
            updateEntry { $0.remote[userId] = RemoteUser(video: false, audio: false) }
            // The property first: a client that reads it when the signal arrives sees the member already.
            return ([remoteUsersProperty(), .emit(.remoteUserEnterRoom(userId: userId))], nil)
        case .userLeave(let userId, let reason):
            guard current.remote[userId] != nil else { return ([], nil) }
            updateEntry { $0.remote[userId] = nil }
            return (remoteUserGone(userId) + [remoteUsersProperty(), .emit(.remoteUserLeaveRoom(userId: userId, reason: reason))], nil)
        case .userVideo(let userId, let available, let ssrc):
            guard let before = current.remote[userId] else { return ([], nil) }
            updateEntry { $0.remote[userId]?.video = available }
            var actions: [RoomAction] = [.setRemoteVideoSsrc(userId: userId, ssrc: available ? ssrc : nil)]
            if before.video != available { actions.append(.emit(.userVideoAvailable(userId: userId, available: available))) }
            return (actions, nil)
        case .userAudio(let userId, let available, let ssrc):
            guard let before = current.remote[userId] else { return ([], nil) }
            updateEntry {
                $0.remote[userId]?.audio = available
                $0.remote[userId]?.audioSsrc = available ? ssrc : nil
            }
            var actions = [remoteAudio(userId)]
            if before.audio != available { actions.append(.emit(.userAudioAvailable(userId: userId, available: available))) }
            return (actions, nil)
        case .exit(let reason, let text):
            let log = RoomAction.log(.notice, "forced out of the room (reason \(reason.rawValue)): \(text)")
            return ([log] + forcedExit(current, reason), .finished)
        case .shutdown(let text):
            return ([.log(.notice, "trtc-server is shutting down: \(text)")], nil)
        case .redirect:
            // RoomSession follows redirects before the machine hears of them; one that got here is out of place.
            return ([.log(.warning, "ignored a redirect outside of entering")], nil)
        }
    }

    /// The connection ended: give up or reconnect.
    mutating func sessionEnded(_ entryId: UInt64, _ outcome: SessionOutcome) -> (actions: [RoomAction], decision: SessionDecision) {
        var actions: [RoomAction] = [.failPendingRequests]
        guard var current = entry, current.id == entryId else { return (actions, .stop) }
        current.connection = nil
        updateEntry { $0.connection = nil }
        publishInFlight = nil
        // The grant died with the connection; a re-entry brings a new one.
        actions.append(.detachMedia)
        switch (outcome, state) {
        case (.finished, _), (_, .exiting), (_, .idle):
            return (actions, .stop)
        case (.refused(let error), .entering):
            actions += failEnter(current, TrtcdError.from(error.trtcError), code: Int64(error.code))
            return (actions + clear(), .stop)
        case (.connectFailed(let why), .entering), (.lost(let why), .entering):
            let error = TrtcError(.connectFailed, "cannot enter through \(current.server): \(why)")
            actions += failEnter(current, TrtcdError.from(error), code: Int64(error.code))
            return (actions + clear(), .stop)
        case (_, .inRoom):
            actions.append(.log(.warning, "connection to trtc-server lost (\(outcome)); reconnecting"))
            actions.append(transition(to: .reconnecting(current, attempt: 1)))
            actions += [.emit(.connectionLost), .emit(.tryToReconnect)]
            return (actions, .reconnect(after: ReconnectBackoff.delay(afterFailures: 0)))
        case (_, .reconnecting(_, let attempt)):
            state = .reconnecting(current, attempt: attempt + 1)
            return (actions, .reconnect(after: ReconnectBackoff.delay(afterFailures: attempt)))
        }
    }

    // MARK: internals

    private mutating func admitted(_ current: Entry, _ entered: ServerMessage.Entered, now: ContinuousClock.Instant) -> [RoomAction] {
        let members = Dictionary(
            entered.members.map { ($0.userId, RemoteUser(video: $0.video, audio: $0.audio, audioSsrc: $0.audioSsrc)) },
            uniquingKeysWith: { first, _ in first })
        var actions: [RoomAction] = [.attachMedia(entered.media, server: current.server), .setSending(current.announced)]
        actions += entered.members.map { .setRemoteVideoSsrc(userId: $0.userId, ssrc: $0.videoSsrc) }
        if case .entering = state {
            let elapsed = max(1, Int64((now - current.startedAt) / .milliseconds(1)))
            var admittedEntry = current
            admittedEntry.remote = members
            actions.append(transition(to: .inRoom(admittedEntry)))
            actions.append(.emit(.enterRoom(result: elapsed)))
            for userId in members.keys.sorted() {
                actions.append(.emit(.remoteUserEnterRoom(userId: userId)))
                if members[userId]!.video { actions.append(.emit(.userVideoAvailable(userId: userId, available: true))) }
                if members[userId]!.audio { actions.append(.emit(.userAudioAvailable(userId: userId, available: true))) }
            }
            actions.append(remoteUsersProperty())
            actions.append(.log(.info, "entered room \(current.params.roomText) in \(elapsed) ms"))
            actions.append(.completeEnter(entryId: current.id, .success(elapsed)))
        } else {
            // Re-entered after a reconnect: report what changed while away.
            let before = current.remote
            var recovered = current
            recovered.remote = members
            actions.append(transition(to: .inRoom(recovered)))
            actions.append(.emit(.connectionRecovery))
            for userId in before.keys.sorted() where members[userId] == nil {
                actions += remoteUserGone(userId)
                actions.append(.emit(.remoteUserLeaveRoom(userId: userId, reason: .timedOut)))
            }
            for userId in members.keys.sorted() {
                let now = members[userId]!
                if let was = before[userId] {
                    if was.video != now.video { actions.append(.emit(.userVideoAvailable(userId: userId, available: now.video))) }
                    if was.audio != now.audio { actions.append(.emit(.userAudioAvailable(userId: userId, available: now.audio))) }
                } else {
                    actions.append(.emit(.remoteUserEnterRoom(userId: userId)))
                    if now.video { actions.append(.emit(.userVideoAvailable(userId: userId, available: true))) }
                    if now.audio { actions.append(.emit(.userAudioAvailable(userId: userId, available: true))) }
                }
            }
            actions.append(remoteUsersProperty())
            actions.append(.log(.info, "connection recovered in room \(current.params.roomText)"))
        }
        actions += members.keys.sorted().map { remoteAudio($0) }
        actions.append(.syncPublishing)
        return actions
    }

    private mutating func forcedExit(_ current: Entry, _ reason: ExitReason) -> [RoomAction] {
        switch state {
        case .entering:
            let error = TrtcdError.from(TrtcError(.refused, "forced out while entering (reason \(reason.rawValue))"))
            return failEnter(current, error, code: Int64(TrtcErrorCode.refused.rawValue)) + clear()
        case .exiting:
            // Already on the way out: the exit in progress ends with its own signal.
            return []
        default:
            // Devices are released before the signal is sent (SPEC §3).
            return [transition(to: .exiting(current, .forced(reason))), .releaseDevices]
        }
    }

    /// A remote user left: its streams and nodes go too.
    private func remoteUserGone(_ userId: String) -> [RoomAction] {
        [.setRemoteVideoSsrc(userId: userId, ssrc: nil), .setRemoteAudio(userId: userId, ssrc: nil), .removeRemoteVideo(userId: userId)]
    }

    private func remoteUsersProperty() -> RoomAction {
        .setProperties([.remoteUsers: .stringArray(entry?.remote.keys.sorted() ?? [])])
    }
}
