import CPipeWire

extension PipeWireDevice {
    /// A device from a registry global, when it is a node of a class trtcd uses.
    init?(global: RegistryWatcher.Global) {
        guard global.type == String(cString: trtc_pw_type_interface_node()),
            let mediaClass = global.properties["media.class"].flatMap(PipeWireMediaClass.init(rawValue:)),
            let name = global.properties["node.name"]
        else { return nil }
        let description = global.properties["node.description"] ?? global.properties["node.nick"] ?? name
        self.init(
            id: global.id,
            serial: global.properties["object.serial"].flatMap { UInt64($0) } ?? UInt64(global.id),
            name: name, description: description, mediaClass: mediaClass)
    }
}
