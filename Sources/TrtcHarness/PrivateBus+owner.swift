import TrtcDBus

extension PrivateBus {
    /// Waits until `name` has an owner on this bus; fails early when `process` (the one meant to own it) exits.
    public func waitForOwner(of name: String, process: ChildProcess? = nil, timeout: Duration = .seconds(20)) async throws {
        let connection = try await BusConnection.connect(address: address)
        do {
            try await waitUntil("\(name) is owned on \(address)", timeout: timeout) {
                if let process, !process.isRunning {
                    throw ProcessFailure("\(process.name) exited (\(process.exitStatus ?? -1)) before owning \(name): \(process.errorOutput.suffix(2000))")
                }
                return try await connection.nameOwner(of: name) != nil
            }
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
    }
}
