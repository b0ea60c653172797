import Logging
internal import CDBus

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What the new owner thread needs; handed over through pthread_create's argument.
private final class DBusThreadStart {
    let loop: DBusEventLoop
    let address: String?
    let ready: @Sendable (Result<String, DBusError>) -> Void

    init(loop: DBusEventLoop, address: String?, ready: @escaping @Sendable (Result<String, DBusError>) -> Void) {
        self.loop = loop
        self.address = address
        self.ready = ready
    }
}

extension DBusEventLoop {
    /// Starts the owner thread, which connects (to `address`, or the session bus when nil),
    /// registers with the bus and runs the loop. Returns the connection's unique name.
    func start(address: String?) async throws -> String {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, Error>) in
            let start = DBusThreadStart(loop: self, address: address) { result in
                continuation.resume(with: result.mapError { $0 as Error })
            }
            let argument = Unmanaged.passRetained(start).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { argument in
                let start = Unmanaged<DBusThreadStart>.fromOpaque(argument!).takeRetainedValue()
                start.loop.runThread(address: start.address, ready: start.ready)
                return nil
            }, argument)
            if rc != 0 {
                Unmanaged<DBusThreadStart>.fromOpaque(argument).release()
                markFinished()
                continuation.resume(throwing: DBusError.failed("could not start the D-Bus thread: error \(rc)"))
                return
            }
            pthread_detach(thread)
        }
    }

    private func runThread(address: String?, ready: @Sendable (Result<String, DBusError>) -> Void) {
        _ = dbus_threads_init_default()
        var error = CDBus.DBusError()
        dbus_error_init(&error)
        defer { dbus_error_free(&error) }

        let connection: OpaquePointer?
        if let address {
            connection = dbus_connection_open_private(address, &error)
            if let connection, dbus_bus_register(connection, &error) == 0 {
                dbus_connection_close(connection)
                dbus_connection_unref(connection)
                return fail(ready, error, what: "registering on the bus at \(address)")
            }
        } else {
            connection = dbus_bus_get_private(DBUS_BUS_SESSION, &error)
        }
        guard let connection else {
            return fail(ready, error, what: "connecting to \(address ?? "the session bus")")
        }
        dbus_connection_set_exit_on_disconnect(connection, 0)
        let uniqueName = dbus_bus_get_unique_name(connection).map { String(cString: $0) } ?? ""

        let state = DBusOwnerState(connection: connection, loop: self)
        state.install()
        logger.debug("D-Bus connection open", metadata: ["unique-name": "\(uniqueName)"])
        ready(.success(uniqueName))
        state.run()
        state.shutdown()
        logger.debug("D-Bus connection closed", metadata: ["unique-name": "\(uniqueName)"])
        markFinished()
    }

    private func fail(_ ready: @Sendable (Result<String, DBusError>) -> Void, _ error: CDBus.DBusError, what: String) {
        let name = error.name.map { String(cString: $0) } ?? DBusError.failedName
        let message = error.message.map { String(cString: $0) } ?? "unknown error"
        _ = stopAccepting()
        markFinished()
        ready(.failure(DBusError(name: name, message: "\(what): \(message)")))
    }
}
