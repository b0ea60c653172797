import Testing
import TrtcHarness

extension PipeWireTestEnvironment {
    /// The environment of the suite running this test (`@Suite(.pipeWireTestEnvironment)`).
    @TaskLocal public static var current: PipeWireTestEnvironment?
}

/// Runs the suite inside one private PipeWire environment.
public struct PipeWireTestEnvironmentTrait: SuiteTrait, TestScoping {
    public var isRecursive: Bool { false }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let environment = try PipeWireTestEnvironment.start()
        defer { environment.stop() }
        try await PipeWireTestEnvironment.$current.withValue(environment) {
            try await function()
        }
    }
}

extension Trait where Self == PipeWireTestEnvironmentTrait {
    /// A private PipeWire + WirePlumber for this suite (started before its first test, stopped after its last).
    public static var pipeWireTestEnvironment: Self { Self() }
}
