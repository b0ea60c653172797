internal import CDBus

/// Holds the completion of one outgoing call until libdbus reports the reply (or drops the call).
private final class DBusPendingReply {
    private var completion: ((Result<[DBusValue], DBusError>) -> Void)?

    init(_ completion: @escaping (Result<[DBusValue], DBusError>) -> Void) {
        self.completion = completion
    }

    func complete(_ result: Result<[DBusValue], DBusError>) {
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }
}

func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    if let text { text.withCString { body($0) } } else { body(nil) }
}

extension DBusOwnerState {
    /// Sends a message and releases it.
    func send(_ message: OpaquePointer) {
        _ = dbus_connection_send(connection, message, nil)
        dbus_message_unref(message)
    }

    /// A method call message with its arguments; names and values must be validated already.
    func makeMethodCall(
        destination: String?, path: String, interface: String?, member: String, arguments: [DBusValue]
    ) -> OpaquePointer? {
        let message = withOptionalCString(destination) { destination in
            withOptionalCString(interface) { interface in
                dbus_message_new_method_call(destination, path, interface, member)
            }
        }
        guard let message else { return nil }
        guard DBusValue.append(arguments, to: message) else {
            dbus_message_unref(message)
            return nil
        }
        return message
    }

    func makeSignal(path: String, interface: String, member: String, arguments: [DBusValue], destination: String?) -> OpaquePointer? {
        guard let message = dbus_message_new_signal(path, interface, member) else { return nil }
        if let destination { _ = dbus_message_set_destination(message, destination) }
        guard DBusValue.append(arguments, to: message) else {
            dbus_message_unref(message)
            return nil
        }
        return message
    }

    /// Sends a method call and reports its reply, error reply, timeout or disconnection exactly once.
    func sendCall(
        _ message: OpaquePointer?, timeoutMS: Int32, completion: @escaping (Result<[DBusValue], DBusError>) -> Void
    ) {
        guard let message else {
            completion(.failure(.failed("out of memory building a method call")))
            return
        }
        var pending: OpaquePointer?
        let sent = dbus_connection_send_with_reply(connection, message, &pending, timeoutMS)
        dbus_message_unref(message)
        guard sent != 0, let pending else {
            completion(.failure(.disconnected))
            return
        }
        let box = DBusPendingReply(completion)
        // The connection keeps the pending call (and so the box) until the reply was dispatched;
        // the free function is the last resort when it never is.
        let installed = dbus_pending_call_set_notify(
            pending,
            { pending, data in
                let box = Unmanaged<DBusPendingReply>.fromOpaque(data!).takeUnretainedValue()
                guard let reply = dbus_pending_call_steal_reply(pending) else {
                    box.complete(.failure(.disconnected))
                    return
                }
                box.complete(DBusOwnerState.result(ofReply: reply))
                dbus_message_unref(reply)
            },
            Unmanaged.passRetained(box).toOpaque(),
            { data in
                Unmanaged<DBusPendingReply>.fromOpaque(data!).takeRetainedValue().complete(.failure(.disconnected))
            })
        if installed == 0 {
            box.complete(.failure(.failed("out of memory waiting for a reply")))
        } else if dbus_pending_call_get_completed(pending) != 0, let reply = dbus_pending_call_steal_reply(pending) {
            box.complete(DBusOwnerState.result(ofReply: reply))
            dbus_message_unref(reply)
        }
        dbus_pending_call_unref(pending)
    }

    static func result(ofReply reply: OpaquePointer) -> Result<[DBusValue], DBusError> {
        if dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR {
            let name = dbus_message_get_error_name(reply).map { String(cString: $0) } ?? DBusError.failedName
            let text = (try? DBusValue.readArguments(of: reply))?.first?.string ?? ""
            return .failure(DBusError(name: name, message: text))
        }
        do {
            return .success(try DBusValue.readArguments(of: reply))
        } catch let error as DBusError {
            return .failure(error)
        } catch {
            return .failure(.failed("\(error)"))
        }
    }

    /// Calls a method of the bus daemon itself.
    func callBus(_ member: String, _ arguments: [DBusValue], completion: @escaping (Result<[DBusValue], DBusError>) -> Void) {
        let message = makeMethodCall(
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member: member, arguments: arguments)
        sendCall(message, timeoutMS: -1, completion: completion)
    }

    /// Sends a method return or an error reply for an incoming call.
    func sendReply(to call: DBusReplyAddress, _ reply: DBusReplyContent) {
        guard !call.noReplyExpected else { return }
        let message: OpaquePointer?
        switch reply {
        case .values:
            message = dbus_message_new(DBUS_MESSAGE_TYPE_METHOD_RETURN)
        case .error(let error):
            message = dbus_message_new(DBUS_MESSAGE_TYPE_ERROR)
            if let message { _ = dbus_message_set_error_name(message, error.name) }
        }
        guard let message else {
            logger.error("out of memory building a reply", metadata: ["member": "\(call.member)"])
            return
        }
        _ = dbus_message_set_reply_serial(message, call.serial)
        dbus_message_set_no_reply(message, 1)
        if !call.sender.isEmpty { _ = dbus_message_set_destination(message, call.sender) }
        let appended: Bool
        switch reply {
        case .values(let values): appended = DBusValue.append(values, to: message)
        case .error(let error): appended = DBusValue.append([.string(error.message)], to: message)
        }
        guard appended else {
            dbus_message_unref(message)
            logger.error("out of memory building a reply", metadata: ["member": "\(call.member)"])
            return
        }
        send(message)
    }
}
