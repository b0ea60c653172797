import CPipeWire
import Foundation

extension PipeWireLoop {
    /// Lists cameras, microphones and speakers with the session manager's defaults.
    /// Blocks for one or two round trips to the daemon. Do not call from a PipeWire callback.
    public func devices(timeout: Duration = .seconds(3)) throws(PipeWireError) -> PipeWireDeviceList {
        try withLock { () throws(PipeWireError) -> PipeWireDeviceList in
            var devices: [PipeWireDevice] = []
            var defaultMetadataId: UInt32?
            let watcher = try RegistryWatcher(
                loop: self,
                onGlobal: { global in
                    if let device = PipeWireDevice(global: global) {
                        devices.append(device)
                    } else if global.type == String(cString: trtc_pw_type_interface_metadata()),
                        global.properties["metadata.name"] == "default"
                    {
                        defaultMetadataId = global.id
                    }
                },
                onGlobalRemoved: { id in devices.removeAll { $0.id == id } })
            defer { watcher.close() }
            try roundTripLocked(timeout: timeout)

            var defaultNames: [PipeWireMediaClass: String] = [:]
            if let defaultMetadataId {
                let metadata = try MetadataWatcher(registry: watcher.registry, id: defaultMetadataId)
                defer { metadata.close() }
                try roundTripLocked(timeout: timeout)
                for mediaClass in PipeWireMediaClass.allCases {
                    if let value = metadata.globalProperties[mediaClass.defaultMetadataKey],
                        let name = Self.nodeName(fromDefaultValue: value)
                    {
                        defaultNames[mediaClass] = name
                    }
                }
            }
            return PipeWireDeviceList(devices: devices, defaultNames: defaultNames)
        }
    }

    /// WirePlumber stores defaults as JSON objects: `{ "name": "alsa_output.pci-…" }`.
    static func nodeName(fromDefaultValue value: String) -> String? {
        struct DefaultNode: Decodable { let name: String }
        return try? JSONDecoder().decode(DefaultNode.self, from: Data(value.utf8)).name
    }
}
