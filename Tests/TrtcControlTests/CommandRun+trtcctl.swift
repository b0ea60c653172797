import TrtcHarness

extension CommandRun {
    /// Runs the built `trtcctl` with exactly `environment` (plus PATH).
    static func trtcctl(_ arguments: [String], environment: [String: String] = [:],
                        timeout: Duration = .seconds(60)) async throws -> CommandRun {
        try await run(BuiltProducts.executable("trtcctl").path, arguments, environment: environment, timeout: timeout)
    }
}
