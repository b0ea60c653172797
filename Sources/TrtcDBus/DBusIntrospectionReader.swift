/// Collects interfaces (methods, signals, properties) from the element events of introspection XML.
struct DBusIntrospectionReader {
    private(set) var interfaces: [DBusInterface] = []
    private var current: DBusInterface?
    private var method: DBusMethod?
    private var signal: DBusSignalDeclaration?

    mutating func start(_ element: String, _ attributes: [String: String]) throws(DBusXMLScanner.Failure) {
        switch element {
        case "interface":
            current = DBusInterface(name: attributes["name"] ?? "")
        case "method":
            method = DBusMethod(attributes["name"] ?? "")
        case "signal":
            signal = DBusSignalDeclaration(attributes["name"] ?? "")
        case "property":
            guard let name = attributes["name"], let type = attributes["type"] else {
                throw DBusXMLScanner.Failure(description: "property without name or type")
            }
            let access: DBusProperty.Access = attributes["access"] == "read" ? .read : .readWrite
            current?.properties.append(DBusProperty(name, signature: type, access: access))
        case "arg":
            guard let type = attributes["type"] else { throw DBusXMLScanner.Failure(description: "arg without type") }
            if method != nil {
                if attributes["direction"] == "out" {
                    method!.outputSignature += type
                } else {
                    method!.inputSignature += type
                }
            } else if signal != nil {
                signal!.signature += type
            }
        default:
            break
        }
    }

    mutating func end(_ element: String) {
        switch element {
        case "interface":
            if let current { interfaces.append(current) }
            current = nil
        case "method":
            if let method { current?.methods.append(method) }
            method = nil
        case "signal":
            if let signal { current?.signals.append(signal) }
            signal = nil
        default:
            break
        }
    }
}
