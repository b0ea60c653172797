import Foundation
import Testing

/// A private, headless PipeWire + WirePlumber started with `scripts/pipewire-test-env`,
/// holding the test camera (`trtc-test-camera`), microphone (`trtc-test-microphone`, 440 Hz)
/// and speaker (`trtc-test-speaker`). Use `@Suite(.pipeWireTestEnvironment)`; tests reach it
/// through `PipeWireTestEnvironment.current`.
public final class PipeWireTestEnvironment: Sendable {
    public static let cameraName = "trtc-test-camera"
    public static let microphoneName = "trtc-test-microphone"
    public static let speakerName = "trtc-test-speaker"
    public static let microphoneFrequency = 440.0

    @TaskLocal public static var current: PipeWireTestEnvironment?

    /// The directory holding runtime dir, logs and pid files.
    public let directory: String
    /// What the script exported: XDG_RUNTIME_DIR, PIPEWIRE_RUNTIME_DIR, PIPEWIRE_REMOTE, …
    public let exports: [String: String]

    /// Absolute path of the daemon's socket (for `PipeWireLoop(remote:)`).
    public var socketPath: String { exports["PIPEWIRE_RUNTIME_DIR", default: directory + "/runtime"] + "/pipewire-0" }

    /// This process's environment with the exports applied, for child processes (pw-dump, trtcd, …).
    public var childEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.merging(exports) { _, exported in exported }
    }

    public static var scriptPath: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/pipewire-test-env").path
    }

    private init(directory: String, exports: [String: String]) {
        self.directory = directory
        self.exports = exports
    }

    public static func start() throws -> PipeWireTestEnvironment {
        let result = try ToolRun.run(scriptPath, ["start"], environment: ProcessInfo.processInfo.environment)
        guard result.status == 0 else {
            throw ToolRun.Failure(description: "pipewire-test-env start failed (\(result.status)): \(result.standardError)")
        }
        var exports: [String: String] = [:]
        for line in result.standardOutput.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            exports[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        guard let directory = exports["PIPEWIRE_TEST_DIR"] else {
            throw ToolRun.Failure(description: "pipewire-test-env printed no PIPEWIRE_TEST_DIR: \(result.standardOutput)")
        }
        return PipeWireTestEnvironment(directory: directory, exports: exports)
    }

    public func stop() {
        _ = try? ToolRun.run(Self.scriptPath, ["stop", directory], environment: ProcessInfo.processInfo.environment)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a PipeWire tool (pw-cli, pw-dump, …) against this daemon.
    public func run(_ tool: String, _ arguments: [String]) throws -> ToolRun.Result {
        try ToolRun.run("/usr/bin/env", [tool] + arguments, environment: childEnvironment)
    }

    /// `pw-dump` as JSON objects. pw-dump 0.3.65 occasionally prints malformed JSON while
    /// objects come and go, so a malformed dump is retried.
    public func dump() throws -> [PipeWireDumpObject] {
        var lastProblem = ""
        for _ in 0..<3 {
            let result = try run("pw-dump", [])
            guard result.status == 0 else { throw ToolRun.Failure(description: "pw-dump failed: \(result.standardError)") }
            do {
                let json = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
                guard let objects = json as? [[String: Any]] else { throw ToolRun.Failure(description: "pw-dump output is not an array") }
                return objects.map(PipeWireDumpObject.init)
            } catch {
                lastProblem = "\(error); output ends: \(result.standardOutput.suffix(300))"
            }
        }
        throw ToolRun.Failure(description: "pw-dump printed malformed JSON three times: \(lastProblem)")
    }
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
