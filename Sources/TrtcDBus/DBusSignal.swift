/// A received signal.
public struct DBusSignal: Sendable, Hashable {
    /// The unique name of the connection that sent it.
    public var sender: String
    public var path: String
    public var interface: String
    public var member: String
    public var arguments: [DBusValue]

    public var signature: String { DBusValue.signature(of: arguments) }
}
