import ArgumentParser
import Foundation
import TrtcCore
import TrtcDBus
import TrtcDBusContract
import UnixSignals

/// `trtcctl enter`: asks trtcd to enter a room and returns once the server admitted the user; trtcd stays in the room.
struct EnterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enter",
        abstract: "Enter a room (trtcd stays in it after trtcctl exits).",
        discussion: """
            Prints the time entering took. With --secret-key (or TRTC_SECRET_KEY) the UserSig is made locally, as \
            TRTC's GenerateTestUserSig does: for development only. --video/--audio open camera/microphone first, so \
            publishing starts on entry.
            """)

    @OptionGroup var roomOptions: RoomOptions

    @Option(name: .customLong("user"), parsing: .unconditional,
            help: ArgumentHelp("userId: 1…32 bytes of a-z A-Z 0-9 _ -.", valueName: "ID"))
    var user: String

    @Option(name: .customLong("sdk-app-id"), help: ArgumentHelp("The application (default $TRTC_SDK_APP_ID).", valueName: "N"))
    var sdkAppId: String?

    @Option(name: .customLong("user-sig"), help: ArgumentHelp(
        "The UserSig your business server issued (visible in ps: prefer --user-sig-file or $TRTC_USER_SIG).", valueName: "SIG"))
    var userSig: String?

    @Option(name: .customLong("user-sig-file"), help: ArgumentHelp("Read the UserSig from FILE.", valueName: "FILE"))
    var userSigFile: String?

    @Option(name: .customLong("secret-key"), help: ArgumentHelp(
        "Make the UserSig locally with the app's secret key (default $TRTC_SECRET_KEY; visible in ps: prefer --secret-key-file).",
        valueName: "KEY"))
    var secretKey: String?

    @Option(name: .customLong("private-map-key"),
            help: ArgumentHelp("The room's privateMapKey (permission ticket) your business server issued.", valueName: "KEY"))
    var privateMapKey: String?

    @Option(name: .customLong("secret-key-file"), help: ArgumentHelp("Read the app's secret key from FILE.", valueName: "FILE"))
    var secretKeyFile: String?

    @Option(help: "Application scene.")
    var scene: Scene = .rtc

    @Option(help: "Role in the room; only anchors publish.")
    var role: Role = .anchor

    @Option(help: ArgumentHelp("Room server, ws://HOST:PORT or wss://HOST:PORT (default $TRTC_SERVER, else trtcd's own).", valueName: "URL"))
    var server: String?

    @Flag(help: "Open the camera and publish video from the moment of entry.")
    var video = false

    @Flag(help: "Open the microphone and publish audio from the moment of entry.")
    var audio = false

    /// Generous: trtcd replies only once the server admitted the user (connect, authenticate, enter).
    static let enterTimeout: Duration = .seconds(60)

    func validate() throws {
        _ = try parameters()
    }

    func parameters() throws -> EnterParameters {
        let room = try roomOptions.roomName()
        let sdkAppId = try IdentifierArguments.sdkAppId(sdkAppId)
        let userId = try IdentifierArguments.userId(user)
        let userSig: String
        // A UserSig or key given explicitly (flag or file) wins over the environment; TRTC_USER_SIG over TRTC_SECRET_KEY.
        let givenSig = try SecretArguments.explicit(self.userSig, flagName: "--user-sig", file: userSigFile, fileFlagName: "--user-sig-file")
        let givenKey = try SecretArguments.explicit(secretKey, flagName: "--secret-key", file: secretKeyFile, fileFlagName: "--secret-key-file")
        if let given = givenSig {
            guard givenKey == nil else { throw ValidationError("give either --user-sig or --secret-key (or their -file forms), not both") }
            guard !given.isEmpty else { throw ValidationError("[\(TrtcErrorCode.invalidUserSig.rawValue)] userSig is empty") }
            userSig = given
        } else if let key = givenKey {
            userSig = UserSig.generate(sdkAppId: sdkAppId, userId: userId, secretKey: key)
        } else if let given = EnvironmentDefaults.value(nil, or: EnvironmentDefaults.userSig) {
            userSig = given
        } else if let key = EnvironmentDefaults.value(nil, or: EnvironmentDefaults.secretKey) {
            userSig = UserSig.generate(sdkAppId: sdkAppId, userId: userId, secretKey: key)
        } else {
            throw ValidationError("""
                [\(TrtcErrorCode.invalidUserSig.rawValue)] no UserSig: give --user-sig-file FILE (or set \
                \(EnvironmentDefaults.userSig)), or --secret-key-file FILE (or set \(EnvironmentDefaults.secretKey)) to make one
                """)
        }
        let server = EnvironmentDefaults.value(server, or: EnvironmentDefaults.server)
        if let privateMapKey, privateMapKey.isEmpty {
            throw ValidationError("[\(TrtcErrorCode.invalidPrivateMapKey.rawValue)] privateMapKey is empty")
        }
        return EnterParameters(sdkAppId: sdkAppId, userId: userId, userSig: userSig, room: room, scene: scene,
                               role: role, server: server, privateMapKey: privateMapKey)
    }

    func run() async throws {
        let parameters = try parameters()
        SecretArguments.warnAboutCommandLine(
            (userSig == nil ? [] : [("--user-sig", "--user-sig-file FILE or \(EnvironmentDefaults.userSig)")])
                + (secretKey == nil ? [] : [("--secret-key", "--secret-key-file FILE or \(EnvironmentDefaults.secretKey)")]))
        try await DaemonClient.withConnection { daemon in try await enter(parameters, daemon) }
    }

    private func enter(_ parameters: EnterParameters, _ daemon: DaemonClient) async throws {
        // Subscribed before the call, so the EnterRoom signal with the elapsed time cannot be missed.
        let enterSignals = try await daemon.connection.subscribe(DBusMatchRule(
            sender: DaemonClient.busName, path: DaemonClient.objectPath, interface: DaemonClient.interface,
            member: "EnterRoom"))
        let firstResult = Task { () -> Int64? in
            for await signal in enterSignals {
                if let result = signal.arguments.first?.int64 { return result }
            }
            return nil
        }
        defer { firstResult.cancel() }

        let started = try await startDevices(daemon)
        let clock = ContinuousClock()
        let start = clock.now
        do {
            try await Self.callEnterRoom(parameters, daemon)
        } catch {
            await stopDevices(started, daemon)
            throw error
        }
        let callMs = (clock.now - start).milliseconds
        // trtcd emits EnterRoom(x) around its reply; its own measurement wins when it arrives promptly.
        let signalled = await Self.value(of: firstResult, within: .milliseconds(500))
        let elapsed = signalled.flatMap { $0 > 0 ? $0 : nil } ?? callMs
        StandardStreams.writeOutput("entered room \(parameters.room) as \(parameters.userId) in \(elapsed) ms\n")
    }

    /// The devices this invocation turned on, so a failed entry can turn them off again.
    struct StartedDevices {
        var video = false
        var audio = false
    }

    /// Opens camera/microphone before entering (publishing starts on entry) — only when trtcd is idle, so a
    /// refused entry (e.g. AlreadyInRoom) does not change what an existing session publishes.
    private func startDevices(_ daemon: DaemonClient) async throws -> StartedDevices {
        var started = StartedDevices()
        guard video || audio else { return started }
        let properties = try await daemon.properties()
        guard properties["State"]?.string == "idle" else { return started }
        let emptyOptions = DBusValue.variantDictionary([:])
        if video && properties["LocalVideo"]?.bool != true {
            _ = try await daemon.call(.startLocalVideo, [emptyOptions])
            started.video = true
        }
        if audio && properties["LocalAudio"]?.bool != true {
            do {
                _ = try await daemon.call(.startLocalAudio, [emptyOptions])
            } catch {
                await stopDevices(started, daemon)
                throw error
            }
            started.audio = true
        }
        return started
    }

    /// Calls EnterRoom. SIGINT/SIGTERM while it is pending ask trtcd to cancel the entry (ExitRoom), so the call
    /// then fails with `Cancelled` and trtcd is idle again; a second signal ends trtcctl at once.
    private static func callEnterRoom(_ parameters: EnterParameters, _ daemon: DaemonClient) async throws {
        let interrupts = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                _ = try await daemon.call(.enterRoom, [parameters.dictionary], timeout: enterTimeout)
            }
            group.addTask {
                var interrupted = false
                for await _ in interrupts {
                    if interrupted { Foundation.exit(130) }
                    interrupted = true
                    StandardStreams.writeError("trtcctl: interrupted; asking trtcd to cancel the entry (again to quit at once)\n")
                    _ = try? await daemon.call(.exitRoom)
                }
                // Only cancellation ends the sequence; this task never finishes before the EnterRoom call.
                try Task.checkCancellation()
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func stopDevices(_ started: StartedDevices, _ daemon: DaemonClient) async {
        if started.video { _ = try? await daemon.call(.stopLocalVideo) }
        if started.audio { _ = try? await daemon.call(.stopLocalAudio) }
    }

    private static func value(of task: Task<Int64?, Never>, within limit: Duration) async -> Int64? {
        await withTaskGroup(of: Int64??.self) { group in
            group.addTask { await task.value }
            group.addTask {
                try? await Task.sleep(for: limit)
                return .some(nil)
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            task.cancel()
            return first ?? nil
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
