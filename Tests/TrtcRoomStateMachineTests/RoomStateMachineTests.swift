import Testing
import TrtcCore
import TrtcDBus
import TrtcDBusContract
@testable import TrtcDaemon

/// RoomStateMachine without processes: every transition, its signals and properties, and what it asks of the
/// connection and the media engine.
@Suite("RoomStateMachine: room transitions without I/O")
struct RoomStateMachineTests {
    static let start = ContinuousClock.now
    static let params = EnterParameters(sdkAppId: 1_400_000_001, userId: "alice", userSig: "sig", room: .numeric(8888))
    static let live = EnterParameters(sdkAppId: 1_400_000_001, userId: "alice", userSig: "sig", room: .numeric(8888), scene: .live, role: .audience)
    static let grant = MediaGrant(host: "", port: 7801, ufrag: "srvufrag", password: String(repeating: "p", count: 24),
                                  fingerprint: "sha-256 " + Array(repeating: "AB", count: 32).joined(separator: ":"), audioSsrc: 11, videoSsrc: 12)

    static func entered(_ members: [MemberInfo] = []) -> ServerMessage {
        .entered(.init(seq: 1, userId: "alice", room: .numeric(8888), members: members, media: grant, heartbeatMs: 1000, departureTimeoutMs: 5000))
    }

    static func member(_ userId: String, video: Bool = false, audio: Bool = false) -> MemberInfo {
        MemberInfo(userId: userId, role: .anchor, video: video, audio: audio, videoSsrc: video ? 21 : nil, audioSsrc: audio ? 22 : nil)
    }

    /// A machine that entered `params` and was admitted with `members`.
    static func inRoom(_ members: [MemberInfo] = [], params: EnterParameters = params) throws -> RoomStateMachine {
        var machine = RoomStateMachine()
        _ = try machine.enterRoom(params, defaultServer: "ws://127.0.0.1:7800", now: start)
        _ = machine.sessionConnected(1)
        _ = machine.sessionMessage(1, entered(members), now: start + .milliseconds(7))
        return machine
    }

    static func signals(_ actions: [RoomAction]) -> [RoomSignal] {
        actions.compactMap { if case .emit(let signal) = $0 { signal } else { nil } }
    }

    static func states(_ actions: [RoomAction]) -> [String] {
        actions.compactMap { if case .setProperties(let values) = $0 { values[.state]?.string } else { nil } }
    }

    // MARK: entering

    @Test("EnterRoom: entering with the room's properties, then a session; admission gives EnterRoom(elapsed) and the members")
    func enterAndAdmit() throws {
        var machine = RoomStateMachine()
        let actions = try machine.enterRoom(Self.params, defaultServer: "ws://127.0.0.1:7800", now: Self.start)
        #expect(machine.roomState == .entering)
        #expect(actions.first == .setProperties([.state: "entering", .roomId: "8888", .userId: "alice", .role: "anchor"]))
        #expect(actions.last == .startSession(entryId: 1, server: "ws://127.0.0.1:7800"))
        #expect(!actions.contains(.watchCaller(entryId: 1)))

        let connected = machine.sessionConnected(1)
        guard case .sendEnter(let request) = connected.first else { Issue.record("no enter: \(connected)"); return }
        #expect(request.userId == "alice" && request.roomId == 8888 && !request.video && !request.audio)

        let (admitted, outcome) = machine.sessionMessage(1, Self.entered([Self.member("bob", video: true), Self.member("carol", audio: true)]),
                                                          now: Self.start + .milliseconds(42))
        #expect(outcome == nil)
        #expect(machine.roomState == .inRoom)
        #expect(Self.signals(admitted) == [
            .enterRoom(result: 42), .remoteUserEnterRoom(userId: "bob"), .userVideoAvailable(userId: "bob", available: true),
            .remoteUserEnterRoom(userId: "carol"), .userAudioAvailable(userId: "carol", available: true),
        ])
        #expect(admitted.contains(.completeEnter(entryId: 1, .success(42))))
        #expect(admitted.first == .attachMedia(Self.grant, server: "ws://127.0.0.1:7800"))
        #expect(admitted.contains(.setRemoteVideoSsrc(userId: "bob", ssrc: 21)))
        #expect(admitted.contains(.setRemoteAudio(userId: "carol", ssrc: 22)))
        #expect(admitted.contains(.setProperties([.remoteUsers: .stringArray(["bob", "carol"])])))
        #expect(admitted.last == .syncPublishing)
    }

    @Test("EnterRoom while not idle is AlreadyInRoom, whatever the state")
    func enterTwice() throws {
        var machine = try Self.inRoom()
        #expect(throws: DBusError.self) { _ = try machine.enterRoom(Self.params, defaultServer: "ws://x", now: Self.start) }
        _ = machine.sessionEnded(1, .lost("gone"))
        #expect(machine.roomState == .reconnecting)
        do {
            _ = try machine.enterRoom(Self.params, defaultServer: "ws://x", now: Self.start)
            Issue.record("entered while reconnecting")
        } catch {
            #expect(error.name == "org.trtcd.Trtc1.Error.AlreadyInRoom")
            #expect(error.message.contains("reconnecting"))
        }
    }

    @Test("bindToCaller watches the caller before the session starts; the caller leaving exits like ExitRoom")
    func bindToCaller() throws {
        var params = Self.params
        params.bindToCaller = true
        var machine = RoomStateMachine()
        let actions = try machine.enterRoom(params, defaultServer: "ws://x", now: Self.start)
        let watch = try #require(actions.firstIndex(of: .watchCaller(entryId: 1)))
        let session = try #require(actions.firstIndex(of: .startSession(entryId: 1, server: "ws://x")))
        #expect(watch < session)
        _ = machine.sessionConnected(1)
        _ = machine.sessionMessage(1, Self.entered(), now: Self.start)
        #expect(machine.callerVanished(entryId: 2).isEmpty, "another entry's caller")
        let vanished = machine.callerVanished(entryId: 1)
        #expect(vanished.contains(.requestLeave))
        #expect(machine.roomState == .exiting)
    }

    @Test("entry refused, unreachable, or lost before admission: EnterRoom fails with the code and the machine is idle", arguments: [
        (SessionOutcome.refused(SignalingError(TrtcError(.userSigCheckFailed, "bad sig"))), Int64(TrtcErrorCode.userSigCheckFailed.rawValue), "AuthFailed"),
        (SessionOutcome.connectFailed("refused"), Int64(TrtcErrorCode.connectFailed.rawValue), "ConnectFailed"),
        (SessionOutcome.lost("closed"), Int64(TrtcErrorCode.connectFailed.rawValue), "ConnectFailed"),
    ])
    func entryFails(outcome: SessionOutcome, code: Int64, errorName: String) throws {
        var machine = RoomStateMachine()
        _ = try machine.enterRoom(Self.params, defaultServer: "ws://x", now: Self.start)
        let (actions, decision) = machine.sessionEnded(1, outcome)
        #expect(decision == .stop)
        #expect(machine.roomState == .idle)
        #expect(Self.signals(actions) == [.enterRoom(result: code)])
        guard case .completeEnter(1, .failure(let error))? = actions.first(where: { if case .completeEnter = $0 { true } else { false } }) else {
            Issue.record("no failed completion: \(actions)")
            return
        }
        #expect(error.name == "org.trtcd.Trtc1.Error.\(errorName)")
        #expect(Self.states(actions) == ["idle"])
        #expect(actions.contains(.finishExitWaiters))
    }

    @Test("a server error while entering ends the session as refused")
    func errorWhileEntering() throws {
        var machine = RoomStateMachine()
        _ = try machine.enterRoom(Self.params, defaultServer: "ws://x", now: Self.start)
        _ = machine.sessionConnected(1)
        let error = SignalingError(TrtcError(.userSigCheckFailed, "bad sig"))
        #expect(machine.sessionMessage(1, .error(error), now: Self.start).outcome == .refused(error))
    }

    @Test("ExitRoom while entering: leave sent, devices released, then EnterRoom(-1) and Cancelled; idle")
    func cancelEntering() throws {
        var machine = RoomStateMachine()
        _ = try machine.enterRoom(Self.params, defaultServer: "ws://x", now: Self.start)
        _ = machine.sessionConnected(1)
        let exiting = machine.exitRoom()
        #expect(exiting.contains(.sendLeave))
        #expect(exiting.last == .releaseDevices)
        #expect(machine.roomState == .exiting)
        #expect(Self.signals(exiting).isEmpty)
        let released = machine.devicesReleased()
        #expect(Self.signals(released) == [.enterRoom(result: -1)])
        #expect(released.contains { if case .completeEnter(1, .failure(let e)) = $0 { e.name.hasSuffix(".Cancelled") } else { false } })
        #expect(machine.roomState == .idle)
        #expect(machine.sessionConnected(1) == [.closeConnection], "a connection that opens late is closed")
    }

    @Test("admission after the entry was abandoned: leave on that connection, session over")
    func lateAdmission() throws {
        var machine = RoomStateMachine()
        let (actions, outcome) = machine.sessionMessage(7, Self.entered(), now: Self.start)
        #expect(actions == [.leaveStaleConnection])
        #expect(outcome == .finished)
    }

    // MARK: exits

    @Test("ExitRoom in the room: exiting, leave awaited, devices released, State idle, then ExitRoom(0), waiters answered")
    func activeExit() throws {
        var machine = try Self.inRoom([Self.member("bob")])
        let exiting = machine.exitRoom()
        #expect(Self.states(exiting) == ["exiting"])
        #expect(exiting.last == .requestLeave)
        #expect(machine.exitRoom().isEmpty, "a second ExitRoom waits for the first")
        #expect(machine.leaveAnswered(confirmed: true) == [.releaseDevices])
        let released = machine.devicesReleased()
        let localOff = try #require(released.firstIndex(of: .setProperties([.localVideo: false, .localAudio: false])))
        let signal = try #require(released.firstIndex(of: .emit(.exitRoom(.exitRoom))))
        #expect(localOff < signal, "devices are released before the signal")
        #expect(Self.states(released) == ["idle"])
        // State is idle before the signal (a client reads State on the signal); the reply after it.
        let idle = try #require(released.firstIndex { if case .setProperties(let values) = $0 { values[.state] == "idle" } else { false } })
        #expect(idle < signal)
        #expect(released.last == .finishExitWaiters)
        #expect(machine.roomState == .idle)
        #expect(machine.exitRoom() == [.finishExitWaiters], "ExitRoom when idle returns at once")
    }

    @Test("ExitRoom while reconnecting (no connection) releases at once; an unconfirmed leave still exits")
    func exitWithoutConnection() throws {
        var machine = try Self.inRoom()
        _ = machine.sessionEnded(1, .lost("gone"))
        #expect(machine.exitRoom().last == .releaseDevices)
        var other = try Self.inRoom()
        _ = other.exitRoom()
        let unconfirmed = other.leaveAnswered(confirmed: false)
        #expect(unconfirmed.last == .releaseDevices)
        #expect(Self.signals(other.devicesReleased()) == [.exitRoom(.exitRoom)])
    }

    @Test("forced out (removed, dismissed, displaced): devices released, then ExitRoom(reason); no reconnect", arguments: [
        ExitReason.removedByServer, .roomDismissed, .kickedByDuplicateUser,
    ])
    func forcedExit(reason: ExitReason) throws {
        var machine = try Self.inRoom()
        let (actions, outcome) = machine.sessionMessage(1, .exit(reason: reason, message: "bye"), now: Self.start)
        #expect(outcome == .finished)
        #expect(actions.last == .releaseDevices)
        #expect(Self.signals(actions).isEmpty)
        #expect(Self.signals(machine.devicesReleased()) == [.exitRoom(reason)])
        #expect(machine.roomState == .idle)
        let (_, decision) = machine.sessionEnded(1, .lost("closed by the server"))
        #expect(decision == .stop)
    }

    @Test("forced out while entering: EnterRoom fails as Refused, devices stay")
    func forcedWhileEntering() throws {
        var machine = RoomStateMachine()
        _ = try machine.enterRoom(Self.params, defaultServer: "ws://x", now: Self.start)
        _ = machine.sessionConnected(1)
        let (actions, outcome) = machine.sessionMessage(1, .exit(reason: .kickedByDuplicateUser, message: ""), now: Self.start)
        #expect(outcome == .finished)
        #expect(!actions.contains(.releaseDevices))
        #expect(Self.signals(actions) == [.enterRoom(result: Int64(TrtcErrorCode.refused.rawValue))])
        #expect(machine.roomState == .idle)
    }

    @Test("a forced exit during ExitRoom adds no second signal")
    func forcedDuringExit() throws {
        var machine = try Self.inRoom()
        _ = machine.exitRoom()
        let (actions, _) = machine.sessionMessage(1, .exit(reason: .roomDismissed, message: ""), now: Self.start)
        #expect(Self.signals(actions).isEmpty && !actions.contains(.releaseDevices))
        _ = machine.leaveAnswered(confirmed: false)
        #expect(Self.signals(machine.devicesReleased()) == [.exitRoom(.exitRoom)])
    }

    // MARK: reconnecting

    @Test("connection lost in the room: reconnecting with ConnectionLost, TryToReconnect; backoff grows to 1 s")
    func reconnectBackoff() throws {
        var machine = try Self.inRoom()
        let (lost, first) = machine.sessionEnded(1, .lost("reset"))
        #expect(Self.signals(lost) == [.connectionLost, .tryToReconnect])
        #expect(Self.states(lost) == ["reconnecting"])
        #expect(lost.contains(.detachMedia))
        #expect(first == .reconnect(after: .milliseconds(100)))
        var delays: [SessionDecision] = []
        for _ in 0..<6 { delays.append(machine.sessionEnded(1, .connectFailed("refused")).decision) }
        #expect(delays == [200, 400, 800, 1000, 1000, 1000].map { .reconnect(after: .milliseconds($0)) })
        #expect(machine.roomState == .reconnecting)
    }

    @Test("re-entered after a reconnect: ConnectionRecovery and exactly what changed while away")
    func reconnectDiff() throws {
        var machine = try Self.inRoom([Self.member("bob", video: true), Self.member("carol"), Self.member("dave", audio: true)])
        _ = machine.sessionEnded(1, .lost("reset"))
        #expect(machine.sessionConnected(1).count == 1)
        // bob stopped video, carol left, dave unchanged, erin arrived publishing video.
        let (actions, _) = machine.sessionMessage(1, Self.entered([Self.member("bob"), Self.member("dave", audio: true), Self.member("erin", video: true)]),
                                                  now: Self.start)
        #expect(Self.signals(actions) == [
            .connectionRecovery,
            .remoteUserLeaveRoom(userId: "carol", reason: .timedOut),
            .userVideoAvailable(userId: "bob", available: false),
            .remoteUserEnterRoom(userId: "erin"), .userVideoAvailable(userId: "erin", available: true),
        ])
        #expect(Self.states(actions) == ["in-room"])
        #expect(actions.contains(.removeRemoteVideo(userId: "carol")))
        #expect(!actions.contains { if case .completeEnter = $0 { true } else { false } }, "EnterRoom was answered long ago")
        #expect(machine.entry?.connection == 2)
        // The backoff starts again after a recovery.
        #expect(machine.sessionEnded(1, .lost("again")).decision == .reconnect(after: .milliseconds(100)))
    }

    @Test("a refused re-entry keeps reconnecting; an error in the room is only logged")
    func errorsAfterEntry() throws {
        var machine = try Self.inRoom()
        let (logged, outcome) = machine.sessionMessage(1, .error(SignalingError(TrtcError(.refused, "no"))), now: Self.start)
        #expect(outcome == nil && logged.count == 1)
        _ = machine.sessionEnded(1, .lost("reset"))
        _ = machine.sessionConnected(1)
        let refusal = SignalingError(TrtcError(.refused, "room full"))
        #expect(machine.sessionMessage(1, .error(refusal), now: Self.start).outcome == .refused(refusal))
        #expect(machine.sessionEnded(1, .refused(refusal)).decision == .reconnect(after: .milliseconds(200)))
    }

    // MARK: remote users

    @Test("remote users enter, publish and leave: signals once per change, their streams follow")
    func remoteUsers() throws {
        var machine = try Self.inRoom()
        var (actions, _) = machine.sessionMessage(1, .userEnter(userId: "bob", role: .anchor), now: Self.start)
        #expect(Self.signals(actions) == [.remoteUserEnterRoom(userId: "bob")])
        #expect(machine.sessionMessage(1, .userEnter(userId: "bob", role: .anchor), now: Self.start).actions.isEmpty)
        (actions, _) = machine.sessionMessage(1, .userAudio(userId: "bob", available: true, ssrc: 31), now: Self.start)
        #expect(actions == [.setRemoteAudio(userId: "bob", ssrc: 31), .emit(.userAudioAvailable(userId: "bob", available: true))])
        (actions, _) = machine.sessionMessage(1, .userVideo(userId: "bob", available: true, ssrc: 32), now: Self.start)
        #expect(actions == [.setRemoteVideoSsrc(userId: "bob", ssrc: 32), .emit(.userVideoAvailable(userId: "bob", available: true))])
        (actions, _) = machine.sessionMessage(1, .userVideo(userId: "bob", available: true, ssrc: 33), now: Self.start)
        #expect(actions == [.setRemoteVideoSsrc(userId: "bob", ssrc: 33)], "a new SSRC (bob re-entered elsewhere) without a signal")
        #expect(machine.sessionMessage(1, .userVideo(userId: "zed", available: true, ssrc: 1), now: Self.start).actions.isEmpty)
        (actions, _) = machine.sessionMessage(1, .userLeave(userId: "bob", reason: .removedByServer), now: Self.start)
        #expect(Self.signals(actions) == [.remoteUserLeaveRoom(userId: "bob", reason: .removedByServer)])
        #expect(actions.contains(.removeRemoteVideo(userId: "bob")) && actions.contains(.setRemoteAudio(userId: "bob", ssrc: nil)))
        // The property changes before the signal, so a client reading it on the signal sees the new list.
        #expect(Array(actions.suffix(2)) == [.setProperties([.remoteUsers: .stringArray([])]),
                                             .emit(.remoteUserLeaveRoom(userId: "bob", reason: .removedByServer))])
    }

    @Test("MuteRemoteAudio: needs a room and a valid userId; holds for a user who enters later")
    func muteRemoteAudio() throws {
        var idle = RoomStateMachine()
        #expect(throws: DBusError.self) { _ = try idle.muteRemoteAudio(userId: "bob", mute: true) }
        var machine = try Self.inRoom()
        #expect(throws: DBusError.self) { _ = try machine.muteRemoteAudio(userId: "no such user!", mute: true) }
        #expect(try machine.muteRemoteAudio(userId: "bob", mute: true) == [.setRemoteAudio(userId: "bob", ssrc: nil)])
        _ = machine.sessionMessage(1, .userEnter(userId: "bob", role: .anchor), now: Self.start)
        let (actions, _) = machine.sessionMessage(1, .userAudio(userId: "bob", available: true, ssrc: 31), now: Self.start)
        #expect(actions.first == .setRemoteAudio(userId: "bob", ssrc: nil), "muted before bob entered")
        #expect(try machine.muteRemoteAudio(userId: "bob", mute: false) == [.setRemoteAudio(userId: "bob", ssrc: 31)])
    }

    @Test("StartRemoteVideo's checks: stream type, room, user")
    func remoteVideoChecks() throws {
        let idle = RoomStateMachine()
        #expect(throws: DBusError.self) { _ = try idle.remoteVideoToStart(userId: "bob", streamType: "main") }
        let machine = try Self.inRoom([Self.member("bob")])
        #expect(try machine.remoteVideoToStart(userId: "bob", streamType: "sub") == RemoteVideoKey(userId: "bob", streamType: "sub"))
        #expect(throws: DBusError.self) { _ = try machine.remoteVideoToStart(userId: "bob", streamType: "side") }
        #expect(throws: DBusError.self) { _ = try machine.remoteVideoToStart(userId: "nobody", streamType: "main") }
    }

    // MARK: publishing and roles

    @Test("publishing: a device opened before entering is in the enter request; later changes go through one publish at a time")
    func publishing() throws {
        var machine = RoomStateMachine()
        _ = machine.deviceOpened(.audio)
        _ = try machine.enterRoom(Self.params, defaultServer: "ws://x", now: Self.start)
        guard case .sendEnter(let request) = machine.sessionConnected(1).first else { Issue.record("no enter"); return }
        #expect(request.audio && !request.video)
        _ = machine.sessionMessage(1, Self.entered(), now: Self.start)

        #expect(machine.deviceOpened(.video) == [.setProperties([.localVideo: true]), .syncPublishing])
        let (actions, publish) = machine.publishStep()
        #expect(actions == [.setSending(PublishFlags(video: false, audio: true))], "video waits for the server's ack")
        #expect(publish == RoomStateMachine.PublishRequest(video: true, audio: nil, connection: 1))
        #expect(machine.publishStep().request == nil, "one publish in flight at a time")
        #expect(machine.publishAnswered(publish!, .ack(seq: 5)).again)
        let (after, none) = machine.publishStep()
        #expect(after == [.setSending(PublishFlags(video: true, audio: true))] && none == nil)

        // Muting stops sending at once, then tells the server.
        _ = machine.mute(.video, true)
        let (muted, unpublish) = machine.publishStep()
        #expect(muted == [.setSending(PublishFlags(video: false, audio: true))])
        #expect(unpublish?.video == false)
        #expect(!machine.publishAnswered(unpublish!, .error(SignalingError(TrtcError(.refused, "no")))).again, "a refusal is not retried at once")
    }

    @Test("a publish answered after a reconnect is ignored and re-checked against the new connection")
    func publishAcrossReconnect() throws {
        var machine = try Self.inRoom()
        _ = machine.deviceOpened(.video)
        let publish = try #require(machine.publishStep().request)
        _ = machine.sessionEnded(1, .lost("reset"))
        guard case .sendEnter(let request) = machine.sessionConnected(1).first else { Issue.record("no enter"); return }
        #expect(request.video, "the re-entry announces what is wanted")
        #expect(machine.publishAnswered(publish, .ack(seq: 1)).again)
        _ = machine.sessionMessage(1, Self.entered(), now: Self.start)
        #expect(machine.publishStep().request == nil, "nothing left to tell the server")
    }

    @Test("a kind refused for the privateMapKey (-100006) is not asked for again, nor in the re-entry after a loss")
    func publishDeniedByTheKey() throws {
        var machine = try Self.inRoom()
        _ = machine.deviceOpened(.audio)
        _ = machine.deviceOpened(.video)
        let publish = try #require(machine.publishStep().request)
        #expect(publish.audio == true && publish.video == true)
        let refusal = SignalingError(TrtcError(.invalidPrivateMapKey, "privateMapKey does not allow to send audio"))
        #expect(!machine.publishAnswered(publish, .error(refusal)).again)
        #expect(machine.wantedPublishing() == PublishFlags())
        let (actions, none) = machine.publishStep()
        #expect(actions == [.setSending(PublishFlags())] && none == nil, "nothing sent, nothing asked")
        _ = machine.sessionEnded(1, .lost("reset"))
        guard case .sendEnter(let request) = machine.sessionConnected(1).first else { Issue.record("no enter"); return }
        #expect(!request.audio && !request.video, "the re-entry must not be refused as a whole")

        // Any other refusal is retried on the next change, as before.
        var other = try Self.inRoom()
        _ = other.deviceOpened(.audio)
        let again = try #require(other.publishStep().request)
        _ = other.publishAnswered(again, .error(SignalingError(TrtcError(.refused, "no"))))
        #expect(other.wantedPublishing().audio)
    }

    @Test("StartLocal* refused for an audience member and while exiting; StopLocal* stops sending that kind first")
    func localDevices() throws {
        var audience = try Self.inRoom(params: Self.live)
        #expect(audience.entry?.role == .audience)
        #expect(throws: DBusError.self) { try audience.checkMayPublish(.startLocalVideo) }
        var machine = try Self.inRoom()
        try machine.checkMayPublish(.startLocalAudio)
        _ = machine.deviceOpened(.video)
        _ = machine.deviceOpened(.audio)
        let publish = try #require(machine.publishStep().request)
        _ = machine.publishAnswered(publish, .ack(seq: 1))
        #expect(machine.deviceClosing(.video) == [.setSending(PublishFlags(video: false, audio: true))])
        #expect(machine.deviceClosed(.video) == [.setProperties([.localVideo: false]), .syncPublishing])
        _ = machine.exitRoom()
        #expect(throws: DBusError.self) { try machine.checkMayPublish(.startLocalVideo) }
        _ = audience.exitRoom()
    }

    @Test("SwitchRole: live scene only, in the room; to audience stops sending first and forgets what was announced")
    func switchRole() throws {
        var rtc = try Self.inRoom()
        #expect { _ = try rtc.switchRole(.audience) } throws: { ($0 as? DBusError)?.name.hasSuffix(".Refused") == true }
        var idle = RoomStateMachine()
        #expect { _ = try idle.switchRole(.anchor) } throws: { ($0 as? DBusError)?.name.hasSuffix(".NotInRoom") == true }

        var anchor = Self.live
        anchor.role = .anchor
        var machine = try Self.inRoom(params: anchor)
        #expect(try machine.switchRole(.anchor) == nil, "already an anchor")
        #expect(try machine.switchRole(.audience) == [.setSending(PublishFlags())])
        #expect(throws: DBusError.self) { _ = try machine.roleSwitchAnswered(.audience, nil) }
        #expect(machine.entry?.role == .anchor, "no answer, no change")
        let switched = try machine.roleSwitchAnswered(.audience, .ack(seq: 3))
        #expect(switched == [.setProperties([.role: "audience"]), .syncPublishing])
        #expect(machine.entry?.role == .audience && machine.wantedPublishing() == PublishFlags())
        #expect { _ = try machine.roleSwitchAnswered(.anchor, .error(SignalingError(TrtcError(.refused, "no")))) } throws: { _ in true }
    }
}

extension SessionOutcome: Equatable {
    public static func == (lhs: SessionOutcome, rhs: SessionOutcome) -> Bool {
        switch (lhs, rhs) {
        case (.lost(let a), .lost(let b)), (.connectFailed(let a), .connectFailed(let b)): a == b
        case (.refused(let a), .refused(let b)): a == b
        case (.finished, .finished): true
        default: false
        }
    }
}

extension SessionDecision: Equatable {
    public static func == (lhs: SessionDecision, rhs: SessionDecision) -> Bool {
        switch (lhs, rhs) {
        case (.stop, .stop): true
        case (.reconnect(let a), .reconnect(let b)): a == b
        default: false
        }
    }
}
