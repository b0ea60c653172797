import CPipeWire

extension PipeWireLoop {
    /// The subtypes (e.g. "raw", "MJPG") of the formats a device's output ports offer; empty when
    /// the ports list none (some nodes only announce formats once linked). Do not call from a
    /// PipeWire callback.
    public func offeredFormatSubtypes(of device: PipeWireDevice, timeout: Duration = .seconds(3)) throws(PipeWireError) -> Set<String> {
        try withLock { () throws(PipeWireError) -> Set<String> in
            var portIds: [UInt32] = []
            let portInterface = String(cString: trtc_pw_type_interface_port())
            let watcher = try RegistryWatcher(
                loop: self,
                onGlobal: { global in
                    if global.type == portInterface, global.properties["node.id"] == String(device.id),
                        global.properties["port.direction"] == "out"
                    {
                        portIds.append(global.id)
                    }
                },
                onGlobalRemoved: { id in portIds.removeAll { $0 == id } })
            defer { watcher.close() }
            try roundTripLocked(timeout: timeout)

            var probes: [PortFormatProbe] = []
            defer { probes.forEach { $0.close() } }
            for portId in portIds {
                probes.append(try PortFormatProbe(registry: watcher.registry, portId: portId))
            }
            try roundTripLocked(timeout: timeout)
            return Set(probes.flatMap(\.formats).map { Self.subtypeName($0.mediaSubtype) })
        }
    }

    static func subtypeName(_ subtype: UInt32) -> String {
        switch subtype {
        case SPA_MEDIA_SUBTYPE_raw.rawValue: "raw"
        case SPA_MEDIA_SUBTYPE_mjpg.rawValue: "MJPG"
        case SPA_MEDIA_SUBTYPE_h264.rawValue: "H264"
        case SPA_MEDIA_SUBTYPE_jpeg.rawValue: "JPEG"
        default: "subtype \(subtype)"
        }
    }
}
