internal import CDBus

private func text(_ pointer: UnsafePointer<CChar>?) -> String? {
    pointer.map { String(cString: $0) }
}

let introspectableInterfaceName = "org.freedesktop.DBus.Introspectable"
let propertiesInterfaceName = "org.freedesktop.DBus.Properties"

extension DBusOwnerState {
    /// Entry point for every message the connection dispatches.
    func handle(_ message: OpaquePointer) -> DBusHandlerResult {
        switch dbus_message_get_type(message) {
        case DBUS_MESSAGE_TYPE_METHOD_CALL:
            handleMethodCall(message)
            return DBUS_HANDLER_RESULT_HANDLED
        case DBUS_MESSAGE_TYPE_SIGNAL:
            handleSignal(message)
            return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        case DBUS_MESSAGE_TYPE_METHOD_RETURN, DBUS_MESSAGE_TYPE_ERROR:
            // Replies to our own calls are taken by their pending call before filters run.
            unexpectedReplyCount += 1
            return DBUS_HANDLER_RESULT_HANDLED
        default:
            return DBUS_HANDLER_RESULT_NOT_YET_HANDLED
        }
    }

    // MARK: method calls

    private func handleMethodCall(_ message: OpaquePointer) {
        let path = text(dbus_message_get_path(message)) ?? "/"
        let interface = text(dbus_message_get_interface(message))
        let member = text(dbus_message_get_member(message)) ?? ""
        let signature = text(dbus_message_get_signature(message)) ?? ""
        let sender = text(dbus_message_get_sender(message)) ?? ""
        let address = DBusReplyAddress(
            sender: sender, serial: dbus_message_get_serial(message), member: member,
            noReplyExpected: dbus_message_get_no_reply(message) != 0)
        func fail(_ name: String, _ text: String) {
            sendReply(to: address, .error(DBusError(name: name, message: text)))
        }

        guard let record = exports[path] else {
            let children = childNodes(of: path)
            if !children.isEmpty, member == "Introspect", interface == nil || interface == introspectableInterfaceName {
                sendReply(to: address, .values([.string(DBusInterface.parentNodeXML(children: children))]))
            } else {
                fail(DBusError.unknownObjectName, "No such object path '\(path)'")
            }
            return
        }

        let arguments: [DBusValue]
        do {
            arguments = try DBusValue.readArguments(of: message)
        } catch let error as DBusError {
            return fail(DBusError.invalidArgsName, error.message)
        } catch {
            return fail(DBusError.invalidArgsName, "\(error)")
        }

        let method: DBusMethod
        switch interface {
        case introspectableInterfaceName?:
            guard member == "Introspect" else { return fail(DBusError.unknownMethodName, unknownMethod(member, interface, signature)) }
            return answerIntrospect(record, address, signature)
        case propertiesInterfaceName?:
            return handlePropertiesCall(record, address, member: member, signature: signature, arguments: arguments, sender: sender)
        case nil:
            guard let found = record.interfaces.lazy.compactMap({ $0.method(named: member) }).first else {
                if member == "Introspect" { return answerIntrospect(record, address, signature) }
                return fail(DBusError.unknownMethodName, unknownMethod(member, nil, signature))
            }
            method = found
        case let name?:
            guard let exported = record.interface(named: name) else {
                return fail(DBusError.unknownInterfaceName, "No such interface '\(name)' on object at path \(path)")
            }
            guard let found = exported.method(named: member) else {
                return fail(DBusError.unknownMethodName, unknownMethod(member, name, signature))
            }
            method = found
        }
        guard signature == method.inputSignature else {
            return fail(
                DBusError.invalidArgsName,
                "Call to \(member) has wrong args (got '\(signature)', expected '\(method.inputSignature)')")
        }
        deliver(
            DBusMethodCall(
                sender: sender, path: path, interface: interface, member: member, signature: signature,
                arguments: arguments, address: address, outputSignature: method.outputSignature, loop: loop),
            to: record)
    }

    private func unknownMethod(_ member: String, _ interface: String?, _ signature: String) -> String {
        "Unknown method '\(member)' with signature '\(signature)'" + (interface.map { " on interface '\($0)'" } ?? "")
    }

    /// Hands a call to the owner. If nobody consumes the object's calls any more, the call is
    /// released here and answers itself with an error.
    func deliver(_ call: DBusMethodCall, to record: DBusExportRecord) {
        if case .terminated = record.calls.yield(call) {
            logger.debug("call to an object nobody serves", metadata: ["path": "\(record.path)"])
        }
    }

    private func answerIntrospect(_ record: DBusExportRecord, _ address: DBusReplyAddress, _ signature: String) {
        guard signature.isEmpty else {
            return sendReply(to: address, .error(.invalidArgs("Introspect takes no arguments, got '\(signature)'")))
        }
        let xml = record.introspectionXML
            ?? DBusInterface.introspectionXML(for: record.interfaces, children: childNodes(of: record.path))
        sendReply(to: address, .values([.string(xml)]))
    }

    /// The names of the next path elements below `path` that lead to exported objects.
    func childNodes(of path: String) -> [String] {
        let prefix = path == "/" ? "/" : path + "/"
        var children: Set<String> = []
        for exportedPath in exports.keys where exportedPath.hasPrefix(prefix) && exportedPath != path {
            let rest = exportedPath.dropFirst(prefix.count)
            if let first = rest.split(separator: "/").first { children.insert(String(first)) }
        }
        return children.sorted()
    }

    // MARK: signals

    private func handleSignal(_ message: OpaquePointer) {
        let path = text(dbus_message_get_path(message)) ?? ""
        let interface = text(dbus_message_get_interface(message)) ?? ""
        let member = text(dbus_message_get_member(message)) ?? ""
        let sender = text(dbus_message_get_sender(message)) ?? ""

        if interface == "org.freedesktop.DBus.Local" && member == "Disconnected" {
            stopRequested = true
            return
        }
        var decoded: [DBusValue]?
        func arguments() -> [DBusValue] {
            if let decoded { return decoded }
            let values = (try? DBusValue.readArguments(of: message)) ?? []
            decoded = values
            return values
        }
        if sender == "org.freedesktop.DBus" && interface == "org.freedesktop.DBus" && member == "NameOwnerChanged" {
            let values = arguments()
            if values.count == 3, let name = values[0].string, values[2].string == "" {
                nameVanished(name)
            }
        }
        for (_, subscription) in subscriptions.sorted(by: { $0.key < $1.key })
        where subscription.rule.matches(sender: sender, path: path, interface: interface, member: member, arguments: arguments) {
            subscription.signals.yield(
                DBusSignal(sender: sender, path: path, interface: interface, member: member, arguments: arguments()))
        }
    }

    private func nameVanished(_ name: String) {
        let fired = nameWatches.filter { $0.value.name == name }.sorted { $0.key < $1.key }
        for (id, watch) in fired {
            nameWatches[id] = nil
            callBus("RemoveMatch", [.string(watch.matchRule)]) { _ in }
            watch.onVanish()
        }
    }

    /// Ends every stream and forgets every record; used when the connection closes.
    func finishAllRecords() {
        for record in exports.values { record.calls.finish() }
        exports.removeAll()
        for subscription in subscriptions.values { subscription.signals.finish() }
        subscriptions.removeAll()
        nameWatches.removeAll()
    }
}
