import CPipeWire

/// A registry proxy reporting globals as they appear and disappear.
/// Created, used and closed on the loop thread or under the loop lock; the handlers run on the loop thread.
final class RegistryWatcher: @unchecked Sendable {
    /// A global object announced by the registry.
    struct Global {
        let id: UInt32
        let type: String
        let properties: [String: String]
    }

    let registry: OpaquePointer
    private let hook: UnsafeMutablePointer<spa_hook>
    private let events: UnsafeMutablePointer<pw_registry_events>
    private let onGlobal: (Global) -> Void
    private let onGlobalRemoved: (UInt32) -> Void
    private var closed = false

    /// Call under the loop lock. Every existing global is reported after the next round trip.
    init(loop: PipeWireLoop, onGlobal: @escaping (Global) -> Void, onGlobalRemoved: @escaping (UInt32) -> Void) throws(PipeWireError) {
        guard let registry = trtc_pw_core_get_registry(loop.core) else {
            throw .connectionFailed("could not get the PipeWire registry")
        }
        self.registry = registry
        self.onGlobal = onGlobal
        self.onGlobalRemoved = onGlobalRemoved
        hook = .allocate(capacity: 1)
        hook.initialize(to: spa_hook())
        events = .allocate(capacity: 1)
        events.initialize(to: trtc_pw_registry_events(
            { data, id, _, type, _, properties in
                guard let data, let type else { return }
                var values: [String: String] = [:]
                for index in 0..<trtc_spa_dict_count(properties) {
                    guard let key = trtc_spa_dict_key(properties, index), let value = trtc_spa_dict_value(properties, index) else { continue }
                    values[String(cString: key)] = String(cString: value)
                }
                let watcher = Unmanaged<RegistryWatcher>.fromOpaque(data).takeUnretainedValue()
                watcher.onGlobal(Global(id: id, type: String(cString: type), properties: values))
            },
            { data, id in
                guard let data else { return }
                Unmanaged<RegistryWatcher>.fromOpaque(data).takeUnretainedValue().onGlobalRemoved(id)
            }))
        _ = trtc_pw_registry_add_listener(registry, hook, events, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Stops the events and destroys the proxy. Call on the loop thread or under the lock.
    func close() {
        guard !closed else { return }
        closed = true
        trtc_spa_hook_remove(hook)
        pw_proxy_destroy(registry)
    }

    deinit {
        // Owners close under the lock; a forgotten watcher must not leave a dangling hook.
        precondition(closed, "RegistryWatcher released without close()")
        hook.deinitialize(count: 1)
        hook.deallocate()
        events.deinitialize(count: 1)
        events.deallocate()
    }
}
