import TrtcDBus
import TrtcDBusContract
import TrtcHarness

/// A D-Bus client of one trtcd on its user's bus: calls its room methods and logs its room signals with their
/// arrival instants (PropertiesChanged is left out).
final class DaemonBusClient: Sendable {
    static let path = RoomBus.objectPath
    static let interface = RoomBus.interface

    let connection: BusConnection
    let signals = TimedSignalLog()
    private let subscription: DBusSignalSubscription

    private init(connection: BusConnection, subscription: DBusSignalSubscription) {
        self.connection = connection
        self.subscription = subscription
    }

    /// Connects and subscribes; `pump()` must run for signals to be logged.
    static func connect(_ bus: PrivateBus) async throws -> DaemonBusClient {
        let connection = try await BusConnection.connect(address: bus.address)
        let subscription = try await connection.subscribe(DBusMatchRule(sender: RoomBus.name, path: path))
        return DaemonBusClient(connection: connection, subscription: subscription)
    }

    /// Logs signals until the subscription ends (`close()`).
    func pump() async {
        for await signal in subscription where signal.member != "PropertiesChanged" {
            signals.record(signal, at: .now)
        }
        signals.close()
    }

    @discardableResult
    func call(_ member: String, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
        try await connection.call(destination: RoomBus.name, path: Self.path, interface: Self.interface,
                                  member: member, arguments: arguments, timeout: .seconds(30))
    }

    func close() async {
        subscription.cancel()
        await connection.close()
    }
}
