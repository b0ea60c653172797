import Logging

/// A private connection to a D-Bus bus (or peer), driven by its own owner thread.
///
/// All methods may be called from any thread or task. The connection closes when `close()` is
/// called, when the bus goes away, or when the last reference to this object is released.
public final class BusConnection: Sendable {
    /// The unique name the bus gave this connection, e.g. `:1.7`.
    public let uniqueName: String
    let loop: DBusEventLoop

    private init(loop: DBusEventLoop, uniqueName: String) {
        self.loop = loop
        self.uniqueName = uniqueName
    }

    /// Connects to the session bus (`DBUS_SESSION_BUS_ADDRESS`, or libdbus's usual fallbacks).
    public static func sessionBus(logger: Logger = Logger(label: "trtcd.dbus")) async throws -> BusConnection {
        try await open(address: nil, logger: logger)
    }

    /// Connects to the bus at a D-Bus address such as `unix:path=/run/user/1000/bus`.
    public static func connect(address: String, logger: Logger = Logger(label: "trtcd.dbus")) async throws -> BusConnection {
        guard !address.isEmpty, !address.utf8.contains(0) else {
            throw DBusError(name: "org.freedesktop.DBus.Error.BadAddress", message: "empty or malformed bus address")
        }
        return try await open(address: address, logger: logger)
    }

    private static func open(address: String?, logger: Logger) async throws -> BusConnection {
        let loop = try DBusEventLoop(logger: logger)
        let uniqueName = try await loop.start(address: address)
        return BusConnection(loop: loop, uniqueName: uniqueName)
    }

    /// False once the connection closed (by `close()` or because the bus went away).
    public var isConnected: Bool { !loop.isFinished }

    /// Closes the connection and waits until its thread has let go of libdbus. Pending calls fail
    /// with `Disconnected`; exported objects' and subscriptions' sequences end.
    public func close() async {
        loop.requestStop()
        await loop.waitUntilFinished()
    }

    deinit {
        loop.requestStop()
    }
}
