extension DBusInterface {
    /// The standard interfaces every exported object answers.
    static let standardInterfacesXML = """
          <interface name="org.freedesktop.DBus.Peer">
            <method name="Ping"/>
            <method name="GetMachineId">
              <arg type="s" name="machine_uuid" direction="out"/>
            </method>
          </interface>
          <interface name="org.freedesktop.DBus.Introspectable">
            <method name="Introspect">
              <arg type="s" name="xml_data" direction="out"/>
            </method>
          </interface>
          <interface name="org.freedesktop.DBus.Properties">
            <method name="Get">
              <arg type="s" name="interface_name" direction="in"/>
              <arg type="s" name="property_name" direction="in"/>
              <arg type="v" name="value" direction="out"/>
            </method>
            <method name="GetAll">
              <arg type="s" name="interface_name" direction="in"/>
              <arg type="a{sv}" name="properties" direction="out"/>
            </method>
            <method name="Set">
              <arg type="s" name="interface_name" direction="in"/>
              <arg type="s" name="property_name" direction="in"/>
              <arg type="v" name="value" direction="in"/>
            </method>
            <signal name="PropertiesChanged">
              <arg type="s" name="interface_name"/>
              <arg type="a{sv}" name="changed_properties"/>
              <arg type="as" name="invalidated_properties"/>
            </signal>
          </interface>

        """

    static let doctype = """
        <!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">

        """

    /// Introspection XML for an object that implements `interfaces`, used when the owner gives none.
    static func introspectionXML(for interfaces: [DBusInterface], children: [String] = []) -> String {
        var xml = doctype + "<node>\n" + standardInterfacesXML
        for interface in interfaces {
            xml += "  <interface name=\"\(interface.name)\">\n"
            for method in interface.methods {
                xml += "    <method name=\"\(method.name)\">\n"
                xml += argumentsXML(method.inputSignature, direction: "in", indent: "      ")
                xml += argumentsXML(method.outputSignature, direction: "out", indent: "      ")
                xml += "    </method>\n"
            }
            for signal in interface.signals {
                xml += "    <signal name=\"\(signal.name)\">\n"
                xml += argumentsXML(signal.signature, direction: nil, indent: "      ")
                xml += "    </signal>\n"
            }
            for property in interface.properties {
                xml += "    <property name=\"\(property.name)\" type=\"\(property.signature)\" access=\"\(property.access.rawValue)\"/>\n"
            }
            xml += "  </interface>\n"
        }
        for child in children { xml += "  <node name=\"\(child)\"/>\n" }
        return xml + "</node>\n"
    }

    /// Introspection XML for a path that only leads to exported objects further down.
    static func parentNodeXML(children: [String]) -> String {
        var xml = doctype + "<node>\n"
        for child in children { xml += "  <node name=\"\(child)\"/>\n" }
        return xml + "</node>\n"
    }

    private static func argumentsXML(_ signature: String, direction: String?, indent: String) -> String {
        let types = (try? DBusType.parse(signature)) ?? []
        return types.enumerated().map { index, type in
            let directionAttribute = direction.map { " direction=\"\($0)\"" } ?? ""
            return "\(indent)<arg type=\"\(type.signature)\" name=\"arg\(index)\"\(directionAttribute)/>\n"
        }.joined()
    }
}
