import TrtcHarness

/// Runs `body` with the address of a private dbus-daemon that is stopped afterwards.
func withTestBus<T>(_ body: (String) async throws -> T) async throws -> T {
    try await withPrivateBus { bus in try await body(bus.address) }
}
