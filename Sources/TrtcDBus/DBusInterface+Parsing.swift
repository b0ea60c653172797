extension DBusInterface {
    /// Reads interface descriptions (methods with their `in` signatures and `out` signatures,
    /// properties, signals) from introspection XML, so the XML file that documents an API can also
    /// define what an exported object accepts. Standard `org.freedesktop.DBus.*` interfaces are skipped.
    public static func parse(introspectionXML: String) throws -> [DBusInterface] {
        var scanner = DBusXMLScanner(introspectionXML)
        var reader = DBusIntrospectionReader()
        do {
            while let event = try scanner.next() {
                switch event {
                case .start(let name, let attributes): try reader.start(name, attributes)
                case .end(let name): reader.end(name)
                }
            }
        } catch {
            throw DBusError.invalidArgs("invalid introspection XML: \(error.description)")
        }
        let interfaces = reader.interfaces.filter { !$0.name.hasPrefix("org.freedesktop.DBus.") }
        for interface in interfaces { try interface.validate() }
        return interfaces
    }
}
