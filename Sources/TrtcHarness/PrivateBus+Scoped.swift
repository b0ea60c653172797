import Foundation

/// Runs `body` with a fresh private bus that is stopped afterwards, also when `body` throws.
public func withPrivateBus<T>(serviceDirectory: String? = nil, environment: [String: String]? = nil,
                              _ body: (PrivateBus) async throws -> T) async throws -> T {
    let bus = try await PrivateBus.start(serviceDirectory: serviceDirectory, environment: environment)
    do {
        let result = try await body(bus)
        await bus.stop()
        return result
    } catch {
        await bus.stop()
        throw error
    }
}
