import Foundation
import TrtcDBus
import TrtcDBusContract

/// A `trtcd` process on a simulated user's private bus; its stderr goes to a file next to the bus socket,
/// so a failure can be explained.
final class BenchDaemon {
    static let busName = RoomBus.name

    let process: Process
    let logFile: URL
    var pid: Int32 { process.processIdentifier }

    private init(process: Process, logFile: URL) {
        self.process = process
        self.logFile = logFile
    }

    /// Starts trtcd with `server` as its default room server; returns once it owns its bus name.
    static func start(executable: String, on bus: BenchBus, server: String, logLevel: String,
                      extraEnvironment: [String: String] = [:], timeout: Duration = .seconds(20)) async throws -> BenchDaemon {
        let logFile = bus.directory.appendingPathComponent("trtcd.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        defer { try? log.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--server", server, "--log-level", logLevel]
        process.environment = bus.environment.merging(extraEnvironment) { _, extra in extra }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let daemon = BenchDaemon(process: process, logFile: logFile)
        let probe = try await BusConnection.connect(address: bus.address)
        do {
            try await daemon.waitForName(on: probe, timeout: timeout)
            await probe.close()
            return daemon
        } catch {
            await probe.close()
            await daemon.stop()
            throw error
        }
    }

    private func waitForName(on probe: BusConnection, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await probe.nameOwner(of: Self.busName) == nil {
            guard process.isRunning else {
                throw BenchFailure("trtcd exited (\(process.terminationStatus)) before owning \(Self.busName): \(logTail())")
            }
            guard ContinuousClock.now < deadline else {
                throw BenchFailure("trtcd did not own \(Self.busName) within \(timeout): \(logTail())")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func memory() throws -> ResidentMemory { try ResidentMemory.of(pid) }

    /// The end of trtcd's log, for failure reports.
    func logTail(_ characters: Int = 2000) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.isEmpty ? "(trtcd logged nothing)" : String(text.suffix(characters))
    }

    /// SIGTERM (trtcd exits its room and releases its name), then SIGKILL if it has not gone within `grace`.
    func stop(grace: Duration = .seconds(5)) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
    }
}
