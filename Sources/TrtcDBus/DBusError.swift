/// An error from the bus, a peer, or this library, in D-Bus terms: an error name and a message.
public struct DBusError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The D-Bus error name, e.g. `org.freedesktop.DBus.Error.InvalidArgs`.
    public var name: String
    /// The human-readable message.
    public var message: String

    public init(name: String, message: String) {
        self.name = name
        self.message = message
    }

    public var description: String { "\(name): \(message)" }
}

extension DBusError {
    public static let failedName = "org.freedesktop.DBus.Error.Failed"
    public static let noReplyName = "org.freedesktop.DBus.Error.NoReply"
    public static let disconnectedName = "org.freedesktop.DBus.Error.Disconnected"
    public static let invalidArgsName = "org.freedesktop.DBus.Error.InvalidArgs"
    public static let invalidSignatureName = "org.freedesktop.DBus.Error.InvalidSignature"
    public static let unknownMethodName = "org.freedesktop.DBus.Error.UnknownMethod"
    public static let unknownInterfaceName = "org.freedesktop.DBus.Error.UnknownInterface"
    public static let unknownObjectName = "org.freedesktop.DBus.Error.UnknownObject"
    public static let unknownPropertyName = "org.freedesktop.DBus.Error.UnknownProperty"
    public static let propertyReadOnlyName = "org.freedesktop.DBus.Error.PropertyReadOnly"
    public static let nameHasNoOwnerName = "org.freedesktop.DBus.Error.NameHasNoOwner"
    /// Thrown by `BusConnection.requestName` when another connection owns the name.
    public static let nameAlreadyOwnedName = "org.trtcd.DBus.Error.NameAlreadyOwned"
    /// Thrown when a call object is answered a second time.
    public static let alreadyRepliedName = "org.trtcd.DBus.Error.AlreadyReplied"

    static func invalidArgs(_ message: String) -> DBusError {
        DBusError(name: invalidArgsName, message: message)
    }

    static func failed(_ message: String) -> DBusError {
        DBusError(name: failedName, message: message)
    }

    static let disconnected = DBusError(name: disconnectedName, message: "the bus connection is closed")
}
