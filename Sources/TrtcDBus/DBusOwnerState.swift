import Logging
internal import CDBus

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Everything of one connection that lives on its owner thread: the libdbus handle, the poll
/// sets, and the routing tables. Created on that thread, used only there, never Sendable.
final class DBusOwnerState {
    let connection: OpaquePointer
    let loop: DBusEventLoop
    var logger: Logger { loop.logger }
    var stopRequested = false

    /// Watches libdbus asked us to poll (enabled state is read from libdbus each iteration).
    var watches: [OpaquePointer] = []
    /// Deadlines (monotonic ms) of the libdbus timeouts that are enabled.
    var timeoutDeadlines: [OpaquePointer: Int64] = [:]

    var exports: [String: DBusExportRecord] = [:]
    var subscriptions: [UInt64: DBusSubscriptionRecord] = [:]
    var nameWatches: [UInt64: DBusNameWatchRecord] = [:]
    /// Replies that matched no pending call: a peer answered twice or too late. Tests read it.
    var unexpectedReplyCount = 0

    init(connection: OpaquePointer, loop: DBusEventLoop) {
        self.connection = connection
        self.loop = loop
    }

    fileprivate var unmanagedSelf: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(self).toOpaque()
    }

    fileprivate static func from(_ pointer: UnsafeMutableRawPointer?) -> DBusOwnerState {
        Unmanaged<DBusOwnerState>.fromOpaque(pointer!).takeUnretainedValue()
    }

    /// Hooks libdbus up to this loop. The state outlives the connection's callbacks: `shutdown`
    /// removes them before the thread lets go of the state.
    func install() {
        dbus_connection_set_watch_functions(
            connection,
            { watch, data in
                DBusOwnerState.from(data).watches.append(watch!)
                return 1
            },
            { watch, data in
                DBusOwnerState.from(data).watches.removeAll { $0 == watch }
            },
            { _, _ in /* enabled state is read each iteration */ },
            unmanagedSelf, nil)
        dbus_connection_set_timeout_functions(
            connection,
            { timeout, data in
                DBusOwnerState.from(data).resetTimeout(timeout!)
                return 1
            },
            { timeout, data in
                DBusOwnerState.from(data).timeoutDeadlines[timeout!] = nil
            },
            { timeout, data in
                DBusOwnerState.from(data).resetTimeout(timeout!)
            },
            unmanagedSelf, nil)
        dbus_connection_set_wakeup_main_function(
            connection,
            { data in
                cdbus_eventfd_signal(DBusOwnerState.from(data).loop.wakeFD)
            },
            unmanagedSelf, nil)
        _ = dbus_connection_add_filter(connection, dbusOwnerFilter, unmanagedSelf, nil)
    }

    private func resetTimeout(_ timeout: OpaquePointer) {
        if dbus_timeout_get_enabled(timeout) != 0 {
            timeoutDeadlines[timeout] = cdbus_monotonic_ms() + Int64(dbus_timeout_get_interval(timeout))
        } else {
            timeoutDeadlines[timeout] = nil
        }
    }

    private func runJobs(_ jobs: [DBusJob]) {
        for job in jobs { job(self) }
    }

    private func dispatchAll() {
        while dbus_connection_dispatch(connection) == DBUS_DISPATCH_DATA_REMAINS {}
    }

    /// The poll loop; returns when asked to stop or when the bus went away.
    func run() {
        var pollSet: [pollfd] = []
        var polledWatches: [OpaquePointer] = []
        while true {
            runJobs(loop.takeJobs())
            dispatchAll()
            if stopRequested || dbus_connection_get_is_connected(connection) == 0 { return }

            pollSet.removeAll(keepingCapacity: true)
            polledWatches.removeAll(keepingCapacity: true)
            pollSet.append(pollfd(fd: loop.wakeFD, events: Int16(POLLIN), revents: 0))
            for watch in watches where dbus_watch_get_enabled(watch) != 0 {
                let flags = dbus_watch_get_flags(watch)
                var events: Int16 = 0
                if flags & CDBUS_WATCH_READABLE != 0 { events |= Int16(POLLIN) }
                if flags & CDBUS_WATCH_WRITABLE != 0 { events |= Int16(POLLOUT) }
                pollSet.append(pollfd(fd: dbus_watch_get_unix_fd(watch), events: events, revents: 0))
                polledWatches.append(watch)
            }
            var timeoutMS: Int32 = -1
            let now = cdbus_monotonic_ms()
            for deadline in timeoutDeadlines.values {
                let wait = Int32(clamping: max(0, deadline - now))
                timeoutMS = timeoutMS < 0 ? wait : min(timeoutMS, wait)
            }

            let ready = poll(&pollSet, nfds_t(pollSet.count), timeoutMS)
            if ready < 0 {
                if errno == EINTR { continue }
                logger.error("poll failed on the D-Bus connection", metadata: ["errno": "\(errno)"])
                return
            }
            if pollSet[0].revents != 0 { cdbus_eventfd_drain(loop.wakeFD) }
            for (index, watch) in polledWatches.enumerated() {
                let revents = pollSet[index + 1].revents
                // A watch handled earlier in this pass may have made libdbus remove this one.
                guard revents != 0, watches.contains(watch) else { continue }
                var flags: UInt32 = 0
                if revents & Int16(POLLIN) != 0 { flags |= CDBUS_WATCH_READABLE }
                if revents & Int16(POLLOUT) != 0 { flags |= CDBUS_WATCH_WRITABLE }
                if revents & Int16(POLLERR) != 0 { flags |= CDBUS_WATCH_ERROR }
                if revents & Int16(POLLHUP) != 0 { flags |= CDBUS_WATCH_HANGUP }
                _ = dbus_watch_handle(watch, flags)
            }
            let afterPoll = cdbus_monotonic_ms()
            let due = timeoutDeadlines.filter { $0.value <= afterPoll }.map(\.key)
            for timeout in due {
                // An earlier handler in this pass may have removed or disabled it.
                guard timeoutDeadlines[timeout] != nil else { continue }
                timeoutDeadlines[timeout] = afterPoll + Int64(dbus_timeout_get_interval(timeout))
                _ = dbus_timeout_handle(timeout)
            }
        }
    }

    /// Closes the connection, fails what is still waiting, ends every stream, and lets go of libdbus.
    func shutdown() {
        let leftover = loop.stopAccepting()
        dbus_connection_close(connection)
        runJobs(leftover)
        // Delivers the local Disconnected signal and completes pending calls with errors.
        dispatchAll()
        finishAllRecords()
        dbus_connection_remove_filter(connection, dbusOwnerFilter, unmanagedSelf)
        dbus_connection_set_watch_functions(connection, nil, nil, nil, nil, nil)
        dbus_connection_set_timeout_functions(connection, nil, nil, nil, nil, nil)
        dbus_connection_set_wakeup_main_function(connection, nil, nil, nil)
        dbus_connection_unref(connection)
    }
}

/// The connection's message filter: one C entry point, so add and remove name the same function.
private func dbusOwnerFilter(
    _ connection: OpaquePointer?, _ message: OpaquePointer?, _ data: UnsafeMutableRawPointer?
) -> DBusHandlerResult {
    DBusOwnerState.from(data).handle(message!)
}
