extension BusConnection {
    /// Takes a well-known bus name without queueing (DO_NOT_QUEUE). Throws a `DBusError` named
    /// `DBusError.nameAlreadyOwnedName` whose message names the current owner when another
    /// connection has it.
    public func requestName(_ name: String) async throws {
        try DBusNames.validateBusName(name)
        guard !name.hasPrefix(":") else { throw DBusError.invalidArgs("cannot request a unique name '\(name)'") }
        let reply = try await loop.perform { state, completion in
            state.callBus("RequestName", [.string(name), .uint32(4 /* DBUS_NAME_FLAG_DO_NOT_QUEUE */)], completion: completion)
        }
        switch reply.first?.uint32 {
        case 1, 4:  // primary owner, already owner
            return
        case 3:  // exists
            let owner = try? await nameOwner(of: name)
            throw DBusError(
                name: DBusError.nameAlreadyOwnedName,
                message: "the bus name \(name) is already owned" + (owner.map { " by \($0)" } ?? "")
                    + "; is another instance running?")
        default:
            throw DBusError.failed("unexpected RequestName reply \(reply) for \(name)")
        }
    }

    /// Gives a well-known name back to the bus.
    public func releaseName(_ name: String) async throws {
        try DBusNames.validateBusName(name)
        _ = try await loop.perform { state, completion in
            state.callBus("ReleaseName", [.string(name)], completion: completion)
        }
    }

    /// Exports an object. Calls to it that pass the checks (known interface and method, right input
    /// signature) arrive through the returned object, an async sequence of `DBusMethodCall`s.
    /// Introspect returns `introspectionXML` verbatim when given, else XML generated from `interfaces`.
    public func export(path: String, interfaces: [DBusInterface], introspectionXML: String? = nil) async throws -> DBusExportedObject {
        try DBusNames.validateObjectPath(path)
        for interface in interfaces { try interface.validate() }
        if let introspectionXML, introspectionXML.utf8.contains(0) {
            throw DBusError.invalidArgs("introspection XML contains a NUL character")
        }
        let (calls, continuation) = AsyncStream.makeStream(of: DBusMethodCall.self, bufferingPolicy: .unbounded)
        try await loop.perform { (state, completion: @escaping (Result<Void, DBusError>) -> Void) in
            guard state.exports[path] == nil else {
                return completion(.failure(.invalidArgs("an object is already exported at \(path)")))
            }
            state.exports[path] = DBusExportRecord(
                path: path, interfaces: interfaces, introspectionXML: introspectionXML, calls: continuation)
            completion(.success(()))
        }
        return DBusExportedObject(path: path, interfaces: interfaces, calls: calls, connection: self)
    }

    /// Emits a signal (to everyone, or to `destination` only). Signals are sent in call order.
    public func emitSignal(
        path: String, interface: String, member: String, arguments: [DBusValue] = [], destination: String? = nil
    ) throws {
        try DBusNames.validateObjectPath(path)
        try DBusNames.validateInterface(interface)
        try DBusNames.validateMember(member)
        if let destination { try DBusNames.validateBusName(destination) }
        try DBusValue.validate(arguments: arguments)
        let accepted = loop.submit { state in
            if let message = state.makeSignal(
                path: path, interface: interface, member: member, arguments: arguments, destination: destination)
            {
                state.send(message)
            }
        }
        guard accepted else { throw DBusError.disconnected }
    }
}
