import ArgumentParser
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import TrtcSignalingClient

/// `trtcd [--server URL] [--log-level LEVEL]` (SPEC §3). The executable's main only calls this.
public struct DaemonCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "trtcd",
        abstract: "TRTC rooms for the Linux desktop: the per-user daemon on the session bus (org.trtcd.Trtc1).")

    @Option(help: ArgumentHelp("Default room server, ws://HOST:PORT or wss://HOST:PORT (env TRTC_SERVER).", valueName: "URL"))
    var server: String?

    @Option(help: ArgumentHelp(
        "PEM file of the CAs that wss:// servers' certificates must chain to, instead of the system trust store (env TRTC_CA_FILE).",
        valueName: "FILE"))
    var caFile: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    public init() {}

    public func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("unknown log level \(logLevel.debugDescription)")
        }
        let environment = ProcessInfo.processInfo.environment
        // trtcd has one WebSocket at a time: one NIO event loop is plenty, where NIO's shared group starts one thread
        // per core (16 loops cost 0.7 MiB more in a room; docs/benchmarks.md). Set before anything uses NIO; the
        // environment variable NIO reads for it still wins.
        if environment["NIO_SINGLETON_GROUP_LOOP_COUNT"] == nil {
            NIOSingletons.groupLoopCountSuggestion = 1
        }
        let serverURL = server ?? environment["TRTC_SERVER"] ?? "ws://127.0.0.1:7800"
        guard serverURL.hasPrefix("ws://") || serverURL.hasPrefix("wss://") else {
            throw ValidationError("--server must be ws://HOST:PORT or wss://HOST:PORT, not \(serverURL.debugDescription)")
        }
        // An empty variable counts as unset, as for TRTC_SERVER's users elsewhere.
        let caPath = caFile ?? environment["TRTC_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let tls: ServerTrust
        do {
            tls = try ServerTrust.trusting(caFile: caPath)
        } catch {
            FileHandle.standardError.write(Data("trtcd: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
        let journal = JournalLogHandler.stderrIsJournal()
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = journal ? JournalLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "trtcd")
        let service = DaemonService(configuration: DaemonConfiguration(server: serverURL, tls: tls), logger: logger)
        // The service traps SIGTERM/SIGINT itself (see DaemonService) and returns when done: that ends the group.
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [], logger: logger))
        do {
            try await group.run()
        } catch let error as DaemonStartError {
            FileHandle.standardError.write(Data("trtcd: \(error.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}
