import Foundation

/// A private, headless PipeWire + WirePlumber started with `scripts/pipewire-test-env`, holding the test camera
/// (`trtc-test-camera`), microphone (`trtc-test-microphone`, 440 Hz) and speaker (`trtc-test-speaker`).
/// Tests get one per suite with `@Suite(.pipeWireTestEnvironment)` (TrtcHarnessTesting) or start their own.
public final class PipeWireTestEnvironment: Sendable {
    public static let cameraName = "trtc-test-camera"
    public static let microphoneName = "trtc-test-microphone"
    public static let speakerName = "trtc-test-speaker"
    public static let microphoneFrequency = 440.0

    /// The directory holding runtime dir, logs and pid files.
    public let directory: String
    /// What the script exported: XDG_RUNTIME_DIR, PIPEWIRE_RUNTIME_DIR, PIPEWIRE_REMOTE, PIPEWIRE_TEST_DIR, …
    public let exports: [String: String]
    private let script: String

    /// Absolute path of the daemon's socket (for `PipeWireLoop(remote:)`).
    public var socketPath: String { exports["PIPEWIRE_RUNTIME_DIR", default: directory + "/runtime"] + "/pipewire-0" }

    /// Our environment with the exports applied, for child processes (pw-dump, trtcd, …).
    public var childEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.merging(exports) { _, exported in exported }
    }

    /// The source tree's script.
    public static var scriptPath: String {
        BuiltProducts.repositoryRoot.appendingPathComponent("scripts/pipewire-test-env").path
    }

    init(directory: String, exports: [String: String], script: String) {
        self.directory = directory
        self.exports = exports
        self.script = script
    }

    /// Runs `script start` and reads the environment it prints (`export NAME=VALUE` lines).
    public static func start(script: String = scriptPath) throws -> PipeWireTestEnvironment {
        let started = try CommandRun.runBlocking(script, ["start"]).successful("pipewire-test-env start")
        var exports: [String: String] = [:]
        for line in started.stdout.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            exports[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
                .trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        }
        guard let directory = exports["PIPEWIRE_TEST_DIR"] else {
            throw ProcessFailure("pipewire-test-env printed no PIPEWIRE_TEST_DIR: \(started.stdout)")
        }
        return PipeWireTestEnvironment(directory: directory, exports: exports, script: script)
    }

    public func stop() {
        _ = try? CommandRun.runBlocking(script, ["stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs a tool (pw-cli, pw-dump, gst-launch-1.0, …) on this PipeWire to completion.
    @discardableResult
    public func run(_ tool: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws -> CommandRun {
        try CommandRun.runBlocking("/usr/bin/env", [tool] + arguments, environment: childEnvironment, timeout: timeout)
    }
}
