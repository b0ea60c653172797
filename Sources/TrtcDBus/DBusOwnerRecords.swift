/// An exported object as the owner thread keeps it.
final class DBusExportRecord {
    let path: String
    let interfaces: [DBusInterface]
    let introspectionXML: String?
    var properties: [String: [String: DBusValue]] = [:]
    let calls: AsyncStream<DBusMethodCall>.Continuation

    init(path: String, interfaces: [DBusInterface], introspectionXML: String?, calls: AsyncStream<DBusMethodCall>.Continuation) {
        self.path = path
        self.interfaces = interfaces
        self.introspectionXML = introspectionXML
        self.calls = calls
    }

    func interface(named name: String) -> DBusInterface? {
        interfaces.first { $0.name == name }
    }
}

/// A signal subscription as the owner thread keeps it.
struct DBusSubscriptionRecord {
    let rule: DBusMatchRule
    let signals: AsyncStream<DBusSignal>.Continuation
}

/// A watch for a bus name's disappearance as the owner thread keeps it.
struct DBusNameWatchRecord {
    let name: String
    let onVanish: @Sendable () -> Void

    var matchRule: String {
        DBusMatchRule(
            sender: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member: "NameOwnerChanged", arg0: name
        ).ruleString
    }
}
