import Foundation
import Synchronization
import TrtcCore
import TrtcDBus
import TrtcDBusContract
import TrtcHarness
import TrtcHarnessTesting

/// A D-Bus client of one trtcd: calls its methods and records every signal of its interface in arrival order.
final class RoomClient: Sendable {
    struct Signal: Sendable, Equatable, CustomStringConvertible {
        let member: String
        let arguments: [DBusValue]
        var description: String { "\(member)(\(arguments.map { "\($0.unwrappedVariant)" }.joined(separator: ", ")))" }
    }

    static let name = RoomBus.name
    static let path = RoomBus.objectPath
    static let interface = RoomBus.interface

    let connection: BusConnection
    let subscription: DBusSignalSubscription
    private let recorded = Mutex<[Signal]>([])

    init(connection: BusConnection, subscription: DBusSignalSubscription) {
        self.connection = connection
        self.subscription = subscription
    }

    static func connect(_ bus: PrivateBus) async throws -> RoomClient {
        let connection = try await BusConnection.connect(address: bus.address)
        let subscription = try await connection.subscribe(DBusMatchRule(sender: name, path: path))
        return RoomClient(connection: connection, subscription: subscription)
    }

    func pump() async {
        for await signal in subscription {
            recorded.withLock { $0.append(Signal(member: signal.member, arguments: signal.arguments)) }
        }
    }

    var signals: [Signal] { recorded.withLock { $0 } }
    /// Signals that come every 2 s in a room whatever happens (read them from `signals`).
    static let periodic: Set<String> = ["Statistics", "NetworkQuality"]
    /// Room signals that report events: no PropertiesChanged, no periodic Statistics/NetworkQuality.
    var roomSignals: [Signal] { signals.filter { $0.member != "PropertiesChanged" && !Self.periodic.contains($0.member) } }

    @discardableResult
    func call(_ member: String, _ arguments: [DBusValue] = [], interface: String = RoomClient.interface) async throws -> [DBusValue] {
        try await connection.call(destination: Self.name, path: Self.path, interface: interface, member: member,
                                  arguments: arguments, timeout: .seconds(30))
    }

    func enter(_ userId: String, room: RoomName = .numeric(1), server: ServerProcess, extra: [String: DBusValue] = [:]) async throws {
        var params: [String: DBusValue] = [
            "sdkAppId": .uint32(server.sdkAppId), "userId": .string(userId),
            "userSig": .string(UserSig.generate(sdkAppId: server.sdkAppId, userId: userId, secretKey: server.secretKey, expire: 3600)),
        ]
        switch room {
        case .numeric(let id): params["roomId"] = .uint32(id)
        case .string(let id): params["strRoomId"] = .string(id)
        }
        for (key, value) in extra { params[key] = value }
        try await call("EnterRoom", [.variantDictionary(params)])
    }

    func exit() async throws { try await call("ExitRoom") }

    func property(_ name: String) async throws -> DBusValue {
        let reply = try await call("Get", [.string(Self.interface), .string(name)], interface: "org.freedesktop.DBus.Properties")
        return reply.first?.unwrappedVariant ?? .string("")
    }

    /// Waits for a room signal `member` (optionally matching) after the first `skip` room signals.
    @discardableResult
    func waitFor(_ member: String, timeout: Duration = .seconds(10), where matches: @Sendable ([DBusValue]) -> Bool = { _ in true })
        async throws -> Signal {
        var found: Signal?
        do {
            try await waitUntil("\(member) signal", timeout: timeout, interval: .milliseconds(5)) {
                found = roomSignals.first { $0.member == member && matches($0.arguments.map(\.unwrappedVariant)) }
                return found != nil
            }
        } catch is TimedOut {
            throw TestFailure("no \(member) signal within \(timeout); got \(roomSignals)")
        }
        return found!
    }

    func clear() { recorded.withLock { $0.removeAll() } }
}

/// A test room: a real trtc-server process, and per user a private bus, a trtcd process and a D-Bus client.
struct DaemonRoom: Sendable {
    let server: ServerProcess
    let buses: [PrivateBus]
    let daemons: [DaemonProcess]
    let clients: [RoomClient]
}

/// `serverArguments` go to trtc-server; `daemonEnvironment` adds to every trtcd's environment.
func withDaemonRoom<T: Sendable>(
    users: Int, departureTimeout: Double = 5, serverPort: Int = 0, serverArguments: [String] = [],
    daemonEnvironment: [String: String] = [:], _ body: @escaping @Sendable (DaemonRoom) async throws -> T
) async throws -> T {
    let server = try await ServerProcess.start(port: serverPort, departureTimeout: departureTimeout, extraArguments: serverArguments)
    var buses: [PrivateBus] = []
    var daemons: [DaemonProcess] = []
    var clients: [RoomClient] = []
    do {
        for _ in 0..<users {
            let bus = try await PrivateBus.start()
            buses.append(bus)
            daemons.append(try await DaemonProcess.start(on: bus, server: server.url, environment: daemonEnvironment))
            clients.append(try await RoomClient.connect(bus))
        }
    } catch {
        for daemon in daemons { await daemon.stop() }
        for bus in buses { await bus.stop() }
        await server.stop()
        throw error
    }
    let room = DaemonRoom(server: server, buses: buses, daemons: daemons, clients: clients)
    let result: Result<T, any Error> = await withTaskGroup(of: Void.self) { group in
        for client in clients { group.addTask { await client.pump() } }
        let result: Result<T, any Error>
        do { result = .success(try await body(room)) } catch { result = .failure(error) }
        for client in clients { client.subscription.cancel() }
        for client in clients { await client.connection.close() }
        return result
    }
    for daemon in daemons { await daemon.stop() }
    for bus in buses { await bus.stop() }
    await room.server.stop()
    return try result.get()
}
