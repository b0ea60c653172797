/// Runs `body` with `resource` and then `stop`s it, also when `body` throws (a `defer` cannot `await`).
public func withStopping<Resource, Result>(_ resource: Resource, stop: (Resource) async -> Void,
                                           _ body: (Resource) async throws -> Result) async throws -> Result {
    do {
        let result = try await body(resource)
        await stop(resource)
        return result
    } catch {
        await stop(resource)
        throw error
    }
}
