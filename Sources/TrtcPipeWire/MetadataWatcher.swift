import CPipeWire

/// A bound metadata object (e.g. the session manager's "default") reporting its properties.
/// Created, used and closed on the loop thread or under the loop lock.
final class MetadataWatcher: @unchecked Sendable {
    private let metadata: OpaquePointer
    private let hook: UnsafeMutablePointer<spa_hook>
    private let events: UnsafeMutablePointer<pw_metadata_events>
    /// Properties of subject 0 (global settings), by key.
    private(set) var globalProperties: [String: String] = [:]
    private var closed = false

    init(registry: OpaquePointer, id: UInt32) throws(PipeWireError) {
        guard let metadata = trtc_pw_registry_bind_metadata(registry, id) else {
            throw .connectionFailed("could not bind metadata object \(id)")
        }
        self.metadata = metadata
        hook = .allocate(capacity: 1)
        hook.initialize(to: spa_hook())
        events = .allocate(capacity: 1)
        events.initialize(to: trtc_pw_metadata_events { data, subject, key, _, value in
            guard let data else { return 0 }
            let watcher = Unmanaged<MetadataWatcher>.fromOpaque(data).takeUnretainedValue()
            watcher.property(subject: subject, key: key.map { String(cString: $0) }, value: value.map { String(cString: $0) })
            return 0
        })
        _ = trtc_pw_metadata_add_listener(metadata, hook, events, Unmanaged.passUnretained(self).toOpaque())
    }

    private func property(subject: UInt32, key: String?, value: String?) {
        guard subject == 0 else { return }
        guard let key else {
            // A nil key clears every property of the subject.
            globalProperties.removeAll()
            return
        }
        globalProperties[key] = value
    }

    func close() {
        guard !closed else { return }
        closed = true
        trtc_spa_hook_remove(hook)
        pw_proxy_destroy(metadata)
    }

    deinit {
        precondition(closed, "MetadataWatcher released without close()")
        hook.deinitialize(count: 1)
        hook.deallocate()
        events.deinitialize(count: 1)
        events.deallocate()
    }
}
