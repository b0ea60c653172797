import Foundation

/// A real `trtcd` process on a private bus.
public final class DaemonProcess: Sendable {
    public let process: ChildProcess
    public let bus: PrivateBus

    public static func start(on bus: PrivateBus, server: String, extraArguments: [String] = [],
                             environment: [String: String] = [:]) async throws -> DaemonProcess {
        var env = bus.environment
        for (key, value) in environment { env[key] = value }
        let process = try ChildProcess(BuiltProducts.executable("trtcd"), ["--server", server, "--log-level", "debug"] + extraArguments,
                                       environment: env, name: "trtcd")
        // Ready once the name is owned.
        let deadline = ContinuousClock.now + .seconds(20)
        while !process.errorOutput.contains("trtcd ready") {
            if !process.isRunning { throw ProcessFailure("trtcd exited: \(process.errorOutput)") }
            if ContinuousClock.now > deadline { throw ProcessFailure("trtcd not ready: \(process.errorOutput)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        return DaemonProcess(process: process, bus: bus)
    }

    init(process: ChildProcess, bus: PrivateBus) {
        self.process = process
        self.bus = bus
    }

    public func stop() async { await process.stop() }
}
