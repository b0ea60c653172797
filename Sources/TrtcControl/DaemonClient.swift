import Logging
import TrtcDBus
import TrtcDBusContract

/// trtcd as trtcctl sees it: one session-bus connection and the methods of `org.trtcd.Trtc1.Room` (SPEC §3).
/// Every failure comes out as a ``CommandFailure`` whose message names the D-Bus error and, from trtcd, the TRTC code.
struct DaemonClient: Sendable {
    static let busName = RoomBus.name
    static let objectPath = RoomBus.objectPath
    static let interface = RoomBus.interface
    static let propertiesInterface = RoomBus.propertiesInterface
    /// Long enough for D-Bus activation of trtcd and for opening a camera.
    static let defaultTimeout: Duration = .seconds(30)

    let connection: BusConnection

    static func connect() async throws -> DaemonClient {
        do {
            return DaemonClient(connection: try await BusConnection.sessionBus(logger: Logger(label: "trtcctl.dbus")))
        } catch let error as DBusError {
            throw CommandFailure("cannot connect to the session bus (\(error.name): \(error.message)); is DBUS_SESSION_BUS_ADDRESS set?")
        }
    }

    /// Connects, runs `body`, and closes the connection whatever happens.
    static func withConnection<T>(_ body: (DaemonClient) async throws -> T) async throws -> T {
        let daemon = try await connect()
        do {
            let result = try await body(daemon)
            await daemon.close()
            return result
        } catch {
            await daemon.close()
            throw error
        }
    }

    /// Calls a method of trtcd's room object (activating trtcd if the bus can).
    func call(_ member: String, _ arguments: [DBusValue] = [], interface: String = DaemonClient.interface,
              timeout: Duration = DaemonClient.defaultTimeout) async throws -> [DBusValue] {
        do {
            return try await connection.call(
                destination: Self.busName, path: Self.objectPath, interface: interface, member: member,
                arguments: arguments, timeout: timeout)
        } catch let error as DBusError {
            throw Self.failure(error, member: member, timeout: timeout)
        }
    }

    /// Calls a method of `org.trtcd.Trtc1.Room`.
    func call(_ method: RoomMethod, _ arguments: [DBusValue] = [], timeout: Duration = DaemonClient.defaultTimeout) async throws -> [DBusValue] {
        try await call(method.rawValue, arguments, timeout: timeout)
    }

    /// All properties of the room interface.
    func properties() async throws -> [String: DBusValue] {
        let reply = try await call("GetAll", [.string(Self.interface)], interface: Self.propertiesInterface)
        guard let properties = reply.first?.stringKeyedDictionary else {
            throw CommandFailure("trtcd answered GetAll with \(DBusValue.signature(of: reply)), not a{sv}")
        }
        return properties.mapValues(\.unwrappedVariant)
    }

    func close() async {
        await connection.close()
    }

    /// Names the usual "trtcd is not there" cases plainly; anything else is `<error name>: <message>`,
    /// which for trtcd's own errors reads `org.trtcd.Trtc1.Error.InvalidArgument: [-3318] roomId 0 is outside …`.
    static func failure(_ error: DBusError, member: String, timeout: Duration) -> CommandFailure {
        switch error.name {
        case "org.freedesktop.DBus.Error.ServiceUnknown", DBusError.nameHasNoOwnerName:
            return CommandFailure("""
                trtcd is not running: nothing owns \(busName) on the session bus and D-Bus cannot start it \
                (\(error.name): \(error.message)). Start it with `systemctl --user start trtcd` or run `trtcd`.
                """)
        case let name where name.hasPrefix("org.freedesktop.DBus.Error.Spawn."):
            return CommandFailure("D-Bus could not start trtcd (\(error.name): \(error.message)); see `journalctl --user -u trtcd`")
        case DBusError.noReplyName, "org.freedesktop.DBus.Error.Timeout", "org.freedesktop.DBus.Error.TimedOut":
            return CommandFailure("trtcd did not answer \(member) within \(timeout.components.seconds) s (\(error.name))")
        case DBusError.disconnectedName:
            return CommandFailure("the session bus connection closed during \(member) (\(error.name): \(error.message))")
        default:
            return CommandFailure("\(error.name): \(error.message)")
        }
    }
}
