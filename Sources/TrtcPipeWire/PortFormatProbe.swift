import CPipeWire

/// Reads the EnumFormat params of one port: which media types and subtypes a device offers.
/// Created, used and closed on the loop thread or under the loop lock.
final class PortFormatProbe: @unchecked Sendable {
    /// Media type and subtype (SPA ids) of each offered format.
    private(set) var formats: [(mediaType: UInt32, mediaSubtype: UInt32)] = []
    private let port: OpaquePointer
    private let hook: UnsafeMutablePointer<spa_hook>
    private let events: UnsafeMutablePointer<pw_port_events>
    private var closed = false

    /// Binds the port and asks for its formats; they arrive before the next round trip completes.
    init(registry: OpaquePointer, portId: UInt32) throws(PipeWireError) {
        guard let port = trtc_pw_registry_bind_port(registry, portId) else {
            throw .connectionFailed("could not bind port \(portId)")
        }
        self.port = port
        hook = .allocate(capacity: 1)
        hook.initialize(to: spa_hook())
        events = .allocate(capacity: 1)
        events.initialize(to: trtc_pw_port_events { data, _, id, _, _, param in
            guard let data, let param, id == SPA_PARAM_EnumFormat.rawValue else { return }
            var mediaType: UInt32 = 0
            var mediaSubtype: UInt32 = 0
            guard trtc_pw_parse_media_type(param, &mediaType, &mediaSubtype) >= 0 else { return }
            Unmanaged<PortFormatProbe>.fromOpaque(data).takeUnretainedValue().formats.append((mediaType, mediaSubtype))
        })
        _ = trtc_pw_port_add_listener(port, hook, events, Unmanaged.passUnretained(self).toOpaque())
        _ = trtc_pw_port_enum_params(port, SPA_PARAM_EnumFormat.rawValue)
    }

    func close() {
        guard !closed else { return }
        closed = true
        trtc_spa_hook_remove(hook)
        pw_proxy_destroy(port)
    }

    deinit {
        precondition(closed, "PortFormatProbe released without close()")
        hook.deinitialize(count: 1)
        hook.deallocate()
        events.deinitialize(count: 1)
        events.deallocate()
    }
}
