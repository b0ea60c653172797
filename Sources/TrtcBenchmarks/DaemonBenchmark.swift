import Foundation
import TrtcClient
import TrtcCore
import TrtcDBus
import TrtcDBusContract
import TrtcHarness

/// The trtcd benchmark: a trtc-server process on loopback and two simulated users, each with a private
/// dbus-daemon, a trtcd process and a D-Bus client in this process. `measured` is the user whose daemon is
/// timed and weighed; `member` stays in the room and sees the measured user come and go.
struct DaemonBenchmark {
    struct Options: Sendable {
        var iterations = 200
        var warmup = 5
        var trtcdPath: String
        var daemonLogLevel = "warning"
        var departureTimeoutSeconds = 5.0
        var launcher: ServerProcess.Launcher
        /// wss:// and https:// with the test PKI's certificate (trtcd given its CA), else plaintext.
        var tls = true
    }

    /// One simulated user: bus, daemon, client.
    struct User {
        let userId: String
        let bus: PrivateBus
        let daemon: DaemonProcess
        let client: DaemonBusClient
    }

    static let roomId: UInt32 = 4242
    static let signalTimeout = Duration.seconds(10)

    let options: Options
    let credentials = ServerCredentials.random()
    /// Makes each API request unique (trtc-server refuses replays).
    let apiSerial = RequestSerial()
    let log: @Sendable (String) -> Void

    func run() async throws -> DaemonBenchResults {
        let server = try await ServerProcess.start(
            options.launcher, certificate: options.tls ? .valid : nil, credentials: credentials,
            departureTimeout: options.departureTimeoutSeconds, extraArguments: ["--api-rate-limit", "0"])
        log("  server pid \(server.pid), port \(server.port)")
        var users: [User] = []
        do {
            for userId in ["bench-measured", "bench-member"] {
                users.append(try await startUser(userId, server: server))
            }
        } catch {
            await stop(users, server: server)
            throw error
        }
        let (measured, member) = (users[0], users[1])
        log("  trtcd pids: measured \(measured.daemon.pid), member \(member.daemon.pid)")
        let outcome: Result<DaemonBenchResults, any Error> = await withTaskGroup(of: Void.self) { group in
            for client in users.map(\.client) { group.addTask { await client.pump() } }
            let outcome: Result<DaemonBenchResults, any Error>
            do {
                outcome = .success(try await measure(measured: measured, member: member, server: server))
            } catch {
                outcome = .failure(error)
                log("failed: \(error)\n  measured trtcd's log: \(measured.daemon.logTail())\n  member trtcd's log: \(member.daemon.logTail())")
            }
            for user in users { await user.client.close() }
            return outcome
        }
        await stop(users, server: server)
        return try outcome.get()
    }

    private func measure(measured: User, member: User, server: ServerProcess) async throws -> DaemonBenchResults {
        var results = DaemonBenchResults(iterations: options.iterations, warmup: options.warmup)
        // Idle: started, on its bus, never entered.
        try await Task.sleep(for: .milliseconds(500))
        results.residentIdle = try ResidentMemory.of(measured.daemon.pid)
        results.dbusRoundTrip = try await measureBusRoundTrip(measured)

        try await enter(member)
        results.signalingAlone = try await measureSignalingAlone(server: server, member: member)
        results.enterExit = try await measureEnterExit(measured: measured, member: member, server: server)
        results.residentInRoom = try await measureResidentInRoom(measured: measured, member: member)
        results.removal = try await measureRemoval(measured: measured, member: member, server: server)
        try await Task.sleep(for: .milliseconds(500))
        results.residentIdleAfter = try ResidentMemory.of(measured.daemon.pid)
        return results
    }

    // MARK: users

    private func startUser(_ userId: String, server: ServerProcess) async throws -> User {
        let bus = try await PrivateBus.start()
        do {
            let daemon = try await DaemonProcess.start(
                URL(fileURLWithPath: options.trtcdPath), on: bus, server: server.url, logLevel: options.daemonLogLevel,
                trustingTestCA: options.tls)
            do {
                return User(userId: userId, bus: bus, daemon: daemon, client: try await DaemonBusClient.connect(bus))
            } catch {
                await daemon.stop()
                throw error
            }
        } catch {
            await bus.stop()
            throw error
        }
    }

    private func stop(_ users: [User], server: ServerProcess) async {
        for user in users { await user.daemon.stop() }
        for user in users { await user.bus.stop() }
        await server.stop()
    }

    // MARK: shared steps

    /// EnterRoom's parameters for `user` in the benchmark room (the UserSig made once, outside any timing).
    func enterParameters(_ user: User) -> [DBusValue] {
        [.variantDictionary([
            "sdkAppId": .uint32(credentials.sdkAppId), "userId": .string(user.userId),
            "userSig": .string(credentials.userSig(user.userId)), "roomId": .uint32(Self.roomId),
        ])]
    }

    func enter(_ user: User) async throws {
        try await user.client.call("EnterRoom", enterParameters(user))
    }

    /// Waits at `observer` for `RemoteUserEnterRoom(userId)` logged at `from` or later.
    @discardableResult
    func waitForRemoteEnter(of userId: String, at observer: User, from: Int) async throws -> TimedSignalLog.Entry {
        try await observer.client.signals.first(
            from: from, timeout: Self.signalTimeout, describing: "RemoteUserEnterRoom(\(userId)) at \(observer.userId)"
        ) { $0.member == "RemoteUserEnterRoom" && $0.arguments == [.string(userId)] }
    }

    /// Waits at `observer` for `RemoteUserLeaveRoom(userId, reason)` logged at `from` or later.
    @discardableResult
    func waitForRemoteLeave(of userId: String, reason: Int32, at observer: User, from: Int) async throws
        -> TimedSignalLog.Entry {
        try await observer.client.signals.first(
            from: from, timeout: Self.signalTimeout,
            describing: "RemoteUserLeaveRoom(\(userId), \(reason)) at \(observer.userId)"
        ) { $0.member == "RemoteUserLeaveRoom" && $0.arguments == [.string(userId), .int32(reason)] }
    }

    /// A method call trtcd answers from its bus thread's property table: the D-Bus floor under every figure.
    private func measureBusRoundTrip(_ user: User) async throws -> LatencySummary {
        var samples: [Duration] = []
        for round in 0..<(options.warmup + options.iterations) {
            let start = ContinuousClock.now
            _ = try await user.client.connection.call(
                destination: RoomBus.name, path: DaemonBusClient.path, interface: "org.freedesktop.DBus.Properties",
                member: "Get", arguments: [.string(DaemonBusClient.interface), .string("State")], timeout: .seconds(30))
            if round >= options.warmup { samples.append(.now - start) }
        }
        return LatencySummary(samples)
    }

    /// The measured daemon's RSS after it has been in the room (with heartbeats) for a second.
    private func measureResidentInRoom(measured: User, member: User) async throws -> ResidentMemory {
        let mark = member.client.signals.count
        try await enter(measured)
        try await waitForRemoteEnter(of: measured.userId, at: member, from: mark)
        try await Task.sleep(for: .seconds(1))
        let resident = try ResidentMemory.of(measured.daemon.pid)
        let leaveMark = member.client.signals.count
        try await measured.client.call("ExitRoom")
        try await waitForRemoteLeave(of: measured.userId, reason: 0, at: member, from: leaveMark)
        return resident
    }
}
