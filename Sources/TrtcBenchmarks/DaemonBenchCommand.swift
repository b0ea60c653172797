import ArgumentParser
import Foundation
import TrtcHarness

/// `trtc-bench daemon`: trtcd's D-Bus latencies and memory, with real processes on loopback.
struct DaemonBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Benchmark trtcd: trtc-server, two private dbus-daemons and two trtcd processes, D-Bus clients here.",
        discussion: """
            Two simulated users each get a private dbus-daemon and a trtcd process; one stays in a room, the other \
            enters and exits it (timing EnterRoom and ExitRoom as a D-Bus client sees them) and is then removed by \
            the server API. trtcd's RSS is read from /proc. Loopback only; bounded; stops by itself.
            """)

    @Option(help: "Measured cycles of each kind (after the warm-up).")
    var iterations = 200

    @Option(help: "Cycles of each kind run first and not counted.")
    var warmup = 5

    @Option(help: "The trtcd executable (default: trtcd next to this program).")
    var trtcd: String?

    @Option(help: "The trtc-server executable (default: trtc-server next to this program, else this program's trtc-server subcommand).")
    var serverBinary: String?

    @Option(help: "trtcd's --log-level during the run.")
    var daemonLogLevel = "warning"

    @Flag(help: "Signaling and the server API in plaintext (ws://, http://) instead of TLS with a test CA made by openssl.")
    var plaintext = false

    @Option(help: "Also write the results (markdown) to this file (created or replaced).")
    var output: String?

    func validate() throws {
        try ReportFile.validate(output)
        guard (1...100_000).contains(iterations), (0...1000).contains(warmup) else {
            throw ValidationError("--iterations takes 1…100000, --warmup 0…1000")
        }
    }

    func run() async throws {
        let ownExecutable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let siblings = ownExecutable.deletingLastPathComponent()
        let trtcdPath = trtcd ?? siblings.appendingPathComponent("trtcd").path
        guard FileManager.default.isExecutableFile(atPath: trtcdPath) else {
            throw ValidationError("no trtcd executable at \(trtcdPath); build it (swift build -c release --product trtcd) or pass --trtcd")
        }
        let launcher: ServerProcess.Launcher
        let siblingServer = siblings.appendingPathComponent("trtc-server")
        if let serverBinary {
            launcher = .init(executable: URL(fileURLWithPath: serverBinary), leadingArguments: [])
        } else if FileManager.default.isExecutableFile(atPath: siblingServer.path) {
            launcher = .init(executable: siblingServer, leadingArguments: [])
        } else {
            launcher = .init(executable: ownExecutable, leadingArguments: ["trtc-server"])
        }
        let log: @Sendable (String) -> Void = { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        let machine = MachineDescription.current()
        log("trtc-bench daemon on \(machine.summary); trtcd: \(trtcdPath); server: \(launcher.description)")
        let options = DaemonBenchmark.Options(
            iterations: iterations, warmup: warmup, trtcdPath: trtcdPath, daemonLogLevel: daemonLogLevel, launcher: launcher,
            tls: !plaintext)
        let results = try await DaemonBenchmark(options: options, log: log).run()
        let report = """
            ## trtcd

            \(machine.markdown)
            - processes: trtc-server (\(launcher.description)), per simulated user a private dbus-daemon and a trtcd \
            (\(trtcdPath), --log-level \(daemonLogLevel)); D-Bus clients (TrtcDBus) and the API client in trtc-bench; loopback; \
            signaling \(plaintext ? "ws:// and http:// (plaintext)" : "wss:// and https:// (TLS, a test CA made with openssl)")
            - \(iterations) measured cycles of each kind after \(warmup) warm-up cycles; times from the call being \
            made to the reply or to the signal reaching the client

            \(results.markdownTable)

            """
        print(report)
        try ReportFile.write(report, to: output)
        if !results.allTargetsMet { throw ExitCode(2) }
    }
}
