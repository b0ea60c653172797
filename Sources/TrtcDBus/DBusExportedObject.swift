/// An object exported on a connection: the calls made to it (as an async sequence) and its
/// property store. Iterate it once; each call must be answered (see `DBusMethodCall`).
/// Releasing it or calling `unexport()` removes the object; calls still queued then answer
/// themselves with an error.
public final class DBusExportedObject: AsyncSequence, Sendable {
    public typealias Element = DBusMethodCall

    public let path: String
    public let interfaces: [DBusInterface]
    private let calls: AsyncStream<DBusMethodCall>
    /// Keeps the connection open while this exists.
    private let connection: BusConnection
    private var loop: DBusEventLoop { connection.loop }

    init(path: String, interfaces: [DBusInterface], calls: AsyncStream<DBusMethodCall>, connection: BusConnection) {
        self.path = path
        self.interfaces = interfaces
        self.calls = calls
        self.connection = connection
    }

    /// Keeps the object exported while its calls are being iterated.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<DBusMethodCall>.Iterator
        let object: DBusExportedObject

        public mutating func next() async -> DBusMethodCall? {
            await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: calls.makeAsyncIterator(), object: self)
    }

    /// Sets one property; emits PropertiesChanged when `emitChanged` and the value changed.
    public func setProperty(_ name: String, interface: String, value: DBusValue, emitChanged: Bool = true) throws {
        try setProperties(interface: interface, [name: value], emitChanged: emitChanged)
    }

    /// Sets several properties of one interface at once, with one PropertiesChanged for those that changed.
    public func setProperties(interface: String, _ values: [String: DBusValue], emitChanged: Bool = true) throws {
        guard let declared = interfaces.first(where: { $0.name == interface }) else {
            throw DBusError(name: DBusError.unknownInterfaceName, message: "\(path) does not implement \(interface)")
        }
        for (name, value) in values {
            guard let property = declared.property(named: name) else {
                throw DBusError(name: DBusError.unknownPropertyName, message: "\(interface) has no property \(name)")
            }
            let stored = value.unwrappedVariant
            guard stored.signature == property.signature else {
                throw DBusError.invalidArgs("property \(name) has type '\(property.signature)', not '\(stored.signature)'")
            }
            try stored.validate()
        }
        let path = path
        let unwrapped = values.mapValues(\.unwrappedVariant)
        guard loop.submit({ state in
            state.storeProperties(path: path, interface: interface, values: unwrapped, emitChanged: emitChanged)
        }) else { throw DBusError.disconnected }
    }

    /// Emits org.freedesktop.DBus.Properties.PropertiesChanged as given, without touching the store.
    public func emitPropertiesChanged(interface: String, changed: [String: DBusValue], invalidated: [String] = []) throws {
        try DBusNames.validateInterface(interface)
        for value in changed.values { try value.validate() }
        for name in invalidated { try DBusNames.validateMember(name) }
        let path = path
        guard loop.submit({ state in
            state.emitPropertiesChanged(path: path, interface: interface, changed: changed, invalidated: invalidated)
        }) else { throw DBusError.disconnected }
    }

    /// Emits a signal from this object's path.
    public func emitSignal(interface: String, member: String, arguments: [DBusValue] = []) throws {
        try DBusNames.validateInterface(interface)
        try DBusNames.validateMember(member)
        try DBusValue.validate(arguments: arguments)
        let path = path
        guard loop.submit({ state in
            if let message = state.makeSignal(
                path: path, interface: interface, member: member, arguments: arguments, destination: nil)
            {
                state.send(message)
            }
        }) else { throw DBusError.disconnected }
    }

    /// Removes the object from the connection and ends the call sequence.
    public func unexport() {
        let path = path
        loop.submit { state in
            guard let record = state.exports.removeValue(forKey: path) else { return }
            record.calls.finish()
        }
    }

    deinit {
        unexport()
    }
}
