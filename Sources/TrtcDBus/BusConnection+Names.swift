extension BusConnection {
    /// Calls `onVanish` once when `name` (typically a caller's unique name) has no owner any more;
    /// at once if it has none already. The handler runs on the connection's thread: keep it short
    /// (e.g. start a Task). The watch stays until it fires or is cancelled; dropping it does not cancel.
    public func watchNameVanished(_ name: String, onVanish: @escaping @Sendable () -> Void) async throws -> DBusNameWatch {
        try DBusNames.validateBusName(name)
        let id = loop.makeID()
        let record = DBusNameWatchRecord(name: name, onVanish: onVanish)
        try await loop.perform { (state, completion: @escaping (Result<Void, DBusError>) -> Void) in
            state.callBus("AddMatch", [.string(record.matchRule)]) { result in
                if case .failure(let error) = result { return completion(.failure(error)) }
                state.nameWatches[id] = record
                // Asked only after the rule is active, so a disappearance cannot slip between the two.
                state.callBus("GetNameOwner", [.string(name)]) { ownerResult in
                    if case .failure(let error) = ownerResult, error.name == DBusError.nameHasNoOwnerName,
                        state.nameWatches.removeValue(forKey: id) != nil
                    {
                        state.callBus("RemoveMatch", [.string(record.matchRule)]) { _ in }
                        onVanish()
                    }
                    completion(.success(()))
                }
            }
        }
        return DBusNameWatch(name: name, id: id, loop: loop)
    }
}
