import Foundation
import TrtcDBusContract

/// A `trtcd` process on a private bus, ready once it owns its bus name.
public final class DaemonProcess: Sendable {
    public let process: ChildProcess
    public let bus: PrivateBus

    /// Starts trtcd with `server` as its default room server. Its environment is ours with the bus as session bus,
    /// plus `environment`; with `inheritingEnvironment` false, only the bus address, PATH and `environment`.
    /// `trustingTestCA`: `--ca-file` names the test PKI's CA, which signs every TLS `ServerProcess`.
    public static func start(_ executable: URL = BuiltProducts.executable("trtcd"), on bus: PrivateBus, server: String,
                             logLevel: String = "debug", trustingTestCA: Bool = true, extraArguments: [String] = [],
                             environment: [String: String] = [:], inheritingEnvironment: Bool = true,
                             timeout: Duration = .seconds(20)) async throws -> DaemonProcess {
        let base = inheritingEnvironment ? bus.environment : bus.addressEnvironment.merging(["PATH": "/usr/bin:/bin"]) { $1 }
        let trust = trustingTestCA ? ["--ca-file", try await TestPKI.shared().caFile] : []
        let process = try ChildProcess(executable, ["--server", server, "--log-level", logLevel] + trust + extraArguments,
                                       environment: base.merging(environment) { $1 }, name: "trtcd")
        do {
            try await bus.waitForOwner(of: RoomBus.name, process: process, timeout: timeout)
        } catch {
            await process.stop()
            throw error
        }
        return DaemonProcess(process: process, bus: bus)
    }

    private init(process: ChildProcess, bus: PrivateBus) {
        self.process = process
        self.bus = bus
    }

    public var pid: Int32 { process.pid }

    /// The end of trtcd's log (its stderr), for failure reports.
    public func logTail(_ characters: Int = 2000) -> String {
        let log = process.errorOutput
        return log.isEmpty ? "(trtcd logged nothing)" : String(log.suffix(characters))
    }

    /// SIGTERM (trtcd exits its room and releases its name), then SIGKILL if it has not gone within `grace`.
    public func stop(grace: Duration = .seconds(5)) async { await process.stop(grace: grace) }
}
