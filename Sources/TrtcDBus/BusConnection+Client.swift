extension BusConnection {
    /// Calls a method and returns its return values; an error reply is thrown as `DBusError`
    /// with the peer's error name and message. `timeout` nil means libdbus's default (25 s).
    public func call(
        destination: String?, path: String, interface: String?, member: String, arguments: [DBusValue] = [],
        timeout: Duration? = nil
    ) async throws -> [DBusValue] {
        if let destination { try DBusNames.validateBusName(destination) }
        try DBusNames.validateObjectPath(path)
        if let interface { try DBusNames.validateInterface(interface) }
        try DBusNames.validateMember(member)
        try DBusValue.validate(arguments: arguments)
        let timeoutMS: Int32 = timeout.map { duration in
            let (seconds, attoseconds) = duration.components
            return Int32(clamping: max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
        } ?? -1
        return try await loop.perform { state, completion in
            let message = state.makeMethodCall(
                destination: destination, path: path, interface: interface, member: member, arguments: arguments)
            state.sendCall(message, timeoutMS: timeoutMS, completion: completion)
        }
    }

    /// Subscribes to signals. When this returns, the bus has the match rule, so every matching
    /// signal sent afterwards arrives, in the order it was sent. Iterate the subscription once;
    /// it ends when cancelled, released, or when the connection closes.
    public func subscribe(_ rule: DBusMatchRule) async throws -> DBusSignalSubscription {
        try rule.validate()
        let id = loop.makeID()
        let (signals, continuation) = AsyncStream.makeStream(of: DBusSignal.self, bufferingPolicy: .unbounded)
        let ruleString = rule.ruleString
        try await loop.perform { (state, completion: @escaping (Result<Void, DBusError>) -> Void) in
            state.subscriptions[id] = DBusSubscriptionRecord(rule: rule, signals: continuation)
            state.callBus("AddMatch", [.string(ruleString)]) { result in
                if case .failure = result {
                    state.subscriptions[id] = nil
                    continuation.finish()
                }
                completion(result.map { _ in () })
            }
        }
        return DBusSignalSubscription(rule: rule, id: id, signals: signals, connection: self)
    }

    /// The unique name owning `name`, or nil when nobody owns it.
    public func nameOwner(of name: String) async throws -> String? {
        try DBusNames.validateBusName(name)
        do {
            let reply = try await loop.perform { state, completion in
                state.callBus("GetNameOwner", [.string(name)], completion: completion)
            }
            return reply.first?.string
        } catch let error as DBusError where error.name == DBusError.nameHasNoOwnerName {
            return nil
        }
    }
}
