/// A pending `watchNameVanished`; cancel it when the name no longer matters.
public final class DBusNameWatch: Sendable {
    public let name: String
    private let id: UInt64
    private let loop: DBusEventLoop

    init(name: String, id: UInt64, loop: DBusEventLoop) {
        self.name = name
        self.id = id
        self.loop = loop
    }

    /// Stops watching; the handler will not be called after the connection's thread processed this.
    public func cancel() {
        let id = id
        loop.submit { state in
            guard let record = state.nameWatches.removeValue(forKey: id) else { return }
            state.callBus("RemoveMatch", [.string(record.matchRule)]) { _ in }
        }
    }
}
