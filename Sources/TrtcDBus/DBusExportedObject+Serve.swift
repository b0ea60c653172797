extension DBusExportedObject {
    /// Serves calls until the object is unexported or the connection closes, each call in its own
    /// child task so that slow calls (e.g. one that waits for a server) do not hold up others.
    /// The handler replies itself; if it throws before replying, the call is answered with the
    /// thrown `DBusError` (or `org.freedesktop.DBus.Error.Failed` for other errors).
    public func serve(_ handler: @escaping @Sendable (DBusMethodCall) async throws -> Void) async {
        await withDiscardingTaskGroup { group in
            for await call in self {
                group.addTask {
                    do {
                        try await handler(call)
                    } catch {
                        guard !call.isAnswered else { return }
                        let reply = error as? DBusError ?? DBusError.failed("\(error)")
                        do {
                            try call.replyError(reply)
                        } catch {
                            // An invalid error name from the handler: still answer, with Failed.
                            try? call.replyError(.failed("\(reply.name): \(reply.message)"))
                        }
                    }
                }
            }
        }
    }
}
