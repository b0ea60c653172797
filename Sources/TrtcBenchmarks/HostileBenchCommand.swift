import ArgumentParser
import Foundation
import TrtcHarness
import TrtcServer

/// `trtc-bench hostile`: what unauthenticated connections cost trtc-server (security.md, "Hostile connections").
struct HostileBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostile",
        abstract: "Hold many hostile connections of each kind against a trtc-server process; measure its memory, a normal client's entry meanwhile, the deadlines, and bytes out per byte in for unauthenticated inputs.",
        discussion: """
            Each kind gets its own server process (by default this executable's `trtc-server` subcommand) on \
            127.0.0.1, plaintext, with --enter-timeout and --request-head-timeout set to --deadline. Loopback is \
            exempt from the per-IP connection cap; --max-connections is raised to the connections plus 1,000.
            """)

    @Option(help: "Hostile connections of each kind held at once.")
    var connections = 10_000

    @Option(help: "Kinds to run, comma-separated: parked, pinging, slowloris.")
    var kinds = "parked,pinging,slowloris"

    @Option(help: "The server's --enter-timeout and --request-head-timeout, in seconds.")
    var deadline = 10.0

    @Option(help: "The deadlines of the held phase, in seconds (longer than opening all connections takes).")
    var holdDeadline = 600.0

    @Option(help: "Normal entries measured before and while the hostile connections are held.")
    var entrySamples = 20

    @Option(help: "Milliseconds between two rounds of pings over all pinging connections (0: continuously).")
    var pingPause = 0

    @Flag(help: "Skip the amplification section.")
    var noAmplification = false

    @Option(help: "Run this trtc-server executable instead of this program's own trtc-server subcommand.")
    var serverBinary: String?

    @Option(help: "Also write the results (markdown) to this file (created or replaced).")
    var output: String?

    func validate() throws {
        try ReportFile.validate(output)
        guard connections > 0, entrySamples > 0, deadline > 0, pingPause >= 0 else {
            throw ValidationError("counts and the deadline must be positive")
        }
    }

    func run() async throws {
        let limit = FileDescriptorLimit.raiseToHardLimit() ?? 0
        if connections + 256 > limit {
            throw ValidationError("\(connections) connections need more descriptors than the limit of \(limit) (ulimit -Hn)")
        }
        var selected: [HostileKind] = []
        for name in kinds.split(separator: ",") {
            guard let kind = HostileKind(rawValue: String(name)) else {
                throw ValidationError("unknown kind \(name.debugDescription); use parked, pinging, slowloris")
            }
            selected.append(kind)
        }
        let launcher: ServerProcess.Launcher = if let serverBinary {
            .init(executable: URL(fileURLWithPath: serverBinary), leadingArguments: [])
        } else {
            .init(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), leadingArguments: ["trtc-server"])
        }
        let log: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let machine = MachineDescription.current()
        log("trtc-bench hostile on \(machine.summary); server: \(launcher.description)")
        let benchmark = HostileBenchmark(
            options: .init(connections: connections, kinds: selected, deadlineSeconds: deadline, holdDeadlineSeconds: holdDeadline, entrySamples: entrySamples,
                           pingPause: .milliseconds(pingPause), launcher: launcher),
            log: log)
        var results: [HostileResult] = []
        for kind in selected { results.append(try await benchmark.run(kind)) }
        var amplification: [AmplificationRow] = []
        if !noAmplification {
            log("amplification")
            let server = try await benchmark.startServer(deadline: deadline)
            do {
                amplification = try HostileAmplification(
                    port: server.port, credentials: benchmark.credentials, deadlineSeconds: deadline).run()
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
        let report = """
            ## trtc-server under hostile connections

            \(machine.markdown)
            - server: \(serverBinary ?? "trtc-server run by trtc-bench as a separate process"), plaintext on 127.0.0.1, \
            `\(benchmark.serverArguments(deadline: deadline).joined(separator: " "))` for the deadline phase and \
            the amplification, the same with \(holdDeadline.decimal(digits: 0)) s deadlines for the held phase (loopback is exempt from the per-IP cap); \
            hostile clients: raw sockets on one thread of trtc-bench; normal clients: trtc-bench's WebSocket clients

            \(Self.table(results, deadline: deadline, entrySamples: entrySamples))
            \(amplification.isEmpty ? "" : "\n" + Self.table(amplification) + "\n")
            """
        print(report)
        try ReportFile.write(report, to: output)
    }

    static func table(_ results: [HostileResult], deadline: Double, entrySamples: Int) -> String {
        var lines = [
            "| kind | opened (in) | open at once | server RSS idle → held (per connection) | peak RSS | RSS after they closed | normal `enter` p50 idle / held |",
            "|---|---|---|---|---|---|---|",
        ]
        let kib = { (bytes: Double) in (bytes / 1024).decimal(digits: 1) + " KiB" }
        for result in results {
            var kind = result.kind.description
            if result.kind == .pinging {
                kind += "; \(Int(result.pingsPerSecond.rounded()).grouped) pings/s (125-byte payload) written while held"
            }
            let failures = result.openFailures > 0 ? ", \(result.openFailures) failed" : ""
            lines.append(
                "| \(kind) | \(result.opened.grouped)\(failures) (\(result.openSeconds.decimal(digits: 1)) s) | \(result.openWhenAllOpened.grouped) "
                + "| \(result.idleRSS.mebibytes) → \(result.heldRSS.mebibytes) (\(kib(result.perConnectionHeld))) "
                + "| \(result.peakRSS.mebibytes) | \(result.afterRSS.mebibytes) "
                + "| \(result.idleEntry.p50.formattedMilliseconds) / \(result.heldEntry.p50.formattedMilliseconds) (\(result.heldEntry.count) of \(entrySamples) entered) |")
        }
        lines += ["", "| kind | opened (in) | most open at once | closed by the server (seen by the client) | life: p50 / max | server's timeout counters | signaling sessions left (/healthz connections) |",
                  "|---|---|---|---|---|---|---|"]
        for result in results {
            lines.append(
                "| \(result.kind.rawValue) | \(result.deadlineOpened.grouped) (\(result.deadlineOpenSeconds.decimal(digits: 1)) s) | \(result.deadlineMostOpen.grouped) "
                + "| \(result.closedByServer.grouped) | \(result.closedAfter.p50.formattedSeconds) / \(result.closedAfter.max.formattedSeconds) "
                + "| request-head \(result.timeouts["request-head"] ?? 0), enter \(result.timeouts["enter"] ?? 0) | \(result.connectionsAfter) |")
        }
        return lines.joined(separator: "\n") + "\n\nSecond table: --enter-timeout and --request-head-timeout \(deadline.decimal(digits: 0)) s; "
            + "life = from connect to the server's close seen by the client."
    }

    static func table(_ rows: [AmplificationRow]) -> String {
        var lines = ["| unauthenticated input (TCP listener) | bytes in | bytes out | out / in | server closed? | answer |",
                     "|---|---|---|---|---|---|"]
        for row in rows {
            lines.append("| \(row.input) | \(row.bytesIn.grouped) | \(row.bytesOut.grouped) | \(row.bytesIn == 0 ? (row.bytesOut == 0 ? "0 (none either way)" : "∞") : row.ratio.decimal(digits: 2)) | \(row.closed ? "yes" : "no") | \(row.note.replacingOccurrences(of: "|", with: "\\|")) |")
        }
        return lines.joined(separator: "\n")
    }
}

extension Duration {
    /// `10.2 s`.
    var formattedSeconds: String { (milliseconds / 1000).decimal(digits: 1) + " s" }
}
