/// Which signals a subscription receives. The bus filters by the rule; the connection filters
/// again locally so that several subscriptions on one connection each get only their own.
///
/// A well-known `sender` (e.g. `org.trtcd.Trtc1`) is matched by the bus only: signals carry the
/// sender's unique name, so locally only unique names (`:1.5`) and `org.freedesktop.DBus` are compared.
public struct DBusMatchRule: Sendable, Hashable {
    public var sender: String?
    public var path: String?
    public var interface: String?
    public var member: String?
    public var arg0: String?

    public init(sender: String? = nil, path: String? = nil, interface: String? = nil, member: String? = nil, arg0: String? = nil) {
        self.sender = sender
        self.path = path
        self.interface = interface
        self.member = member
        self.arg0 = arg0
    }

    /// The rule in the bus's syntax, e.g. `type='signal',interface='org.trtcd.Trtc1.Room'`.
    public var ruleString: String {
        var parts = ["type='signal'"]
        if let sender { parts.append("sender=" + Self.quote(sender)) }
        if let path { parts.append("path=" + Self.quote(path)) }
        if let interface { parts.append("interface=" + Self.quote(interface)) }
        if let member { parts.append("member=" + Self.quote(member)) }
        if let arg0 { parts.append("arg0=" + Self.quote(arg0)) }
        return parts.joined(separator: ",")
    }

    /// Quotes a match-rule value; a single quote is written as '\'' (close, escaped quote, reopen).
    private static func quote(_ value: String) -> String {
        var quoted = "'"
        for character in value {
            if character == "'" { quoted += "'\\''" } else { quoted.append(character) }
        }
        return quoted + "'"
    }

    func validate() throws {
        if let sender { try DBusNames.validateBusName(sender) }
        if let path { try DBusNames.validateObjectPath(path) }
        if let interface { try DBusNames.validateInterface(interface) }
        if let member { try DBusNames.validateMember(member) }
        if let arg0, arg0.utf8.contains(0) { throw DBusError.invalidArgs("arg0 contains a NUL character") }
    }

    func matches(sender signalSender: String, path signalPath: String, interface signalInterface: String, member signalMember: String, arguments: () -> [DBusValue]) -> Bool {
        if let sender, sender.hasPrefix(":") || sender == "org.freedesktop.DBus", sender != signalSender { return false }
        if let path, path != signalPath { return false }
        if let interface, interface != signalInterface { return false }
        if let member, member != signalMember { return false }
        if let arg0, arguments().first?.string != arg0 { return false }
        return true
    }
}
