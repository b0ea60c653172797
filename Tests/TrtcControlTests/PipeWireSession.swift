import Foundation
import TrtcHarness

/// Runs `body` with a private headless PipeWire + WirePlumber (scripts/pipewire-test-env: test camera, microphone,
/// speaker), stopped afterwards also when `body` throws. `body` gets the environment trtcd needs to reach it.
func withPipeWire<T>(_ body: ([String: String]) async throws -> T) async throws -> T {
    let pipewire = try PipeWireTestEnvironment.start()
    defer { pipewire.stop() }
    return try await body(pipewire.exports.filter { $0.key.hasPrefix("XDG_RUNTIME_DIR") || $0.key.hasPrefix("PIPEWIRE_R") })
}
