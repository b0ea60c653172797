import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

extension DBusInterface {
    /// Reads interface descriptions (methods with their `in` signatures and `out` signatures,
    /// properties, signals) from introspection XML, so the XML file that documents an API can also
    /// define what an exported object accepts. Standard `org.freedesktop.DBus.*` interfaces are skipped.
    public static func parse(introspectionXML: String) throws -> [DBusInterface] {
        let reader = DBusIntrospectionReader()
        let parser = XMLParser(data: Data(introspectionXML.utf8))
        parser.delegate = reader
        let parsed = parser.parse()
        // Foundation's parser on Linux recovers from some malformed XML, so the reader checks nesting itself.
        if reader.failure == nil, let unclosed = reader.openElements.last {
            reader.failure = "element <\(unclosed)> is not closed"
        }
        guard parsed, reader.failure == nil else {
            let reason = reader.failure ?? parser.parserError.map { "\($0)" } ?? "unknown XML error"
            throw DBusError.invalidArgs("invalid introspection XML: \(reason)")
        }
        let interfaces = reader.interfaces.filter { !$0.name.hasPrefix("org.freedesktop.DBus.") }
        for interface in interfaces { try interface.validate() }
        return interfaces
    }
}

/// XMLParser delegate collecting interfaces; used only inside `DBusInterface.parse`.
private final class DBusIntrospectionReader: NSObject, XMLParserDelegate {
    var interfaces: [DBusInterface] = []
    var failure: String?
    var openElements: [String] = []
    private var current: DBusInterface?
    private var method: DBusMethod?
    private var signal: DBusSignalDeclaration?

    func parser(
        _ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        openElements.append(element)
        switch element {
        case "interface":
            current = DBusInterface(name: attributes["name"] ?? "")
        case "method":
            method = DBusMethod(attributes["name"] ?? "")
        case "signal":
            signal = DBusSignalDeclaration(attributes["name"] ?? "")
        case "property":
            guard let name = attributes["name"], let type = attributes["type"] else {
                failure = "property without name or type"
                return
            }
            let access: DBusProperty.Access = attributes["access"] == "read" ? .read : .readWrite
            current?.properties.append(DBusProperty(name, signature: type, access: access))
        case "arg":
            guard let type = attributes["type"] else {
                failure = "arg without type"
                return
            }
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

    func parser(_ parser: XMLParser, didEndElement element: String, namespaceURI: String?, qualifiedName: String?) {
        if openElements.popLast() != element, failure == nil {
            failure = "unexpected </\(element)>"
        }
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
