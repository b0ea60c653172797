internal import CDBus

extension DBusOwnerState {
    /// org.freedesktop.DBus.Properties on an exported object, served from its property store.
    /// Set on a read-write property is passed to the owner as an ordinary call.
    func handlePropertiesCall(
        _ record: DBusExportRecord, _ address: DBusReplyAddress, member: String, signature: String,
        arguments: [DBusValue], sender: String
    ) {
        func fail(_ name: String, _ text: String) {
            sendReply(to: address, .error(DBusError(name: name, message: text)))
        }
        let expected: String
        switch member {
        case "Get": expected = "ss"
        case "GetAll": expected = "s"
        case "Set": expected = "ssv"
        default:
            return fail(DBusError.unknownMethodName, "Unknown method '\(member)' on interface '\(propertiesInterfaceName)'")
        }
        guard signature == expected else {
            return fail(DBusError.invalidArgsName, "Call to \(member) has wrong args (got '\(signature)', expected '\(expected)')")
        }
        let interfaceName = arguments[0].string ?? ""

        if member == "GetAll" {
            let interfaces = interfaceName.isEmpty ? record.interfaces : record.interface(named: interfaceName).map { [$0] }
            guard let interfaces else {
                return fail(DBusError.unknownInterfaceName, "No such interface '\(interfaceName)' on object at path \(record.path)")
            }
            var all: [String: DBusValue] = [:]
            for interface in interfaces {
                for (name, value) in record.properties[interface.name] ?? [:] { all[name] = value }
            }
            return sendReply(to: address, .values([.variantDictionary(all)]))
        }

        let propertyName = arguments[1].string ?? ""
        guard let interface = record.interface(named: interfaceName) else {
            return fail(DBusError.unknownInterfaceName, "No such interface '\(interfaceName)' on object at path \(record.path)")
        }
        guard let property = interface.property(named: propertyName) else {
            return fail(DBusError.unknownPropertyName, "No such property '\(propertyName)' on interface '\(interfaceName)'")
        }

        if member == "Get" {
            guard let value = record.properties[interfaceName]?[propertyName] else {
                return fail(DBusError.failedName, "Property '\(propertyName)' has no value yet")
            }
            return sendReply(to: address, .values([.variant(value)]))
        }

        guard property.access == .readWrite else {
            return fail(DBusError.propertyReadOnlyName, "Property '\(propertyName)' is read-only")
        }
        let newValue = arguments[2].unwrappedVariant
        guard newValue.signature == property.signature else {
            return fail(
                DBusError.invalidArgsName,
                "Property '\(propertyName)' has type '\(property.signature)', not '\(newValue.signature)'")
        }
        deliver(
            DBusMethodCall(
                sender: sender, path: record.path, interface: propertiesInterfaceName, member: member,
                signature: signature, arguments: arguments, address: address, outputSignature: "", loop: loop),
            to: record)
    }

    /// Stores property values and, when asked, emits PropertiesChanged for those that changed.
    func storeProperties(path: String, interface: String, values: [String: DBusValue], emitChanged: Bool) {
        guard let record = exports[path] else { return }
        var changed: [String: DBusValue] = [:]
        for (name, value) in values where record.properties[interface]?[name] != value {
            record.properties[interface, default: [:]][name] = value
            changed[name] = value
        }
        if emitChanged && !changed.isEmpty {
            emitPropertiesChanged(path: path, interface: interface, changed: changed, invalidated: [])
        }
    }

    func emitPropertiesChanged(path: String, interface: String, changed: [String: DBusValue], invalidated: [String]) {
        let arguments: [DBusValue] = [.string(interface), .variantDictionary(changed), .stringArray(invalidated)]
        if let message = makeSignal(
            path: path, interface: propertiesInterfaceName, member: "PropertiesChanged", arguments: arguments, destination: nil)
        {
            send(message)
        }
    }
}
