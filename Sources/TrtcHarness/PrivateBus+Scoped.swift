/// Runs `body` with a fresh private bus that is stopped afterwards, also when `body` throws.
public func withPrivateBus<T>(serviceDirectory: String? = nil, environment: [String: String]? = nil,
                              _ body: (PrivateBus) async throws -> T) async throws -> T {
    try await withStopping(try await PrivateBus.start(serviceDirectory: serviceDirectory, environment: environment),
                           stop: { await $0.stop() }, body)
}
