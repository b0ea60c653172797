import ArgumentParser
import Foundation
import TrtcHarness

/// `trtc-bench sfu`: forwarded packets/s per core of trtc-server's SRTP path, beside a minimal raw forwarder.
struct SFUBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sfu",
        abstract: "Benchmark the SFU: packets/s out per core, trtc-server (SRTP hop by hop) beside a minimal raw forwarder.",
        discussion: """
            Each scenario runs the raw forwarder (`trtc-bench sfu raw-forwarder`, no routing, no crypto) and a \
            trtc-server process, one after the other, each pinned to the last CPU while this process (the publishers' \
            and receivers' media clients) is pinned to the first. Publishers send 1200-byte RTP at --rate packets/s \
            each; packets/s out is counted by the forwarder (trtc_media_packets_total{direction="out"} for the server) \
            and divided by its CPU time.
            """,
        subcommands: [RawForwarderCommand.self])

    @Option(help: "Receivers of one publisher (1 → N scenarios), comma-separated.")
    var receivers = "10,50"

    @Option(help: "Members of all-publishing rooms (N × N scenarios), comma-separated.")
    var mesh = "4,8"

    @Option(help: "RTP packets per second each publisher sends.")
    var rate = 2000

    @Option(help: "Seconds measured per forwarder and scenario (after 1 s of warm-up).")
    var seconds = 5.0

    @Option(help: "Run this trtc-server executable instead of this program's own trtc-server subcommand.")
    var serverBinary: String?

    @Option(help: "Also write the results (markdown) to this file (created or replaced).")
    var output: String?

    func validate() throws {
        try ReportFile.validate(output)
        guard rate > 0, rate <= 100_000, seconds > 0, seconds <= 600 else {
            throw ValidationError("need 0 < --rate ≤ 100000 and 0 < --seconds ≤ 600")
        }
    }

    func run() async throws {
        func sizes(_ text: String, _ flag: String, minimum: Int) throws -> [Int] {
            try text.split(separator: ",").map { part in
                guard let value = Int(part), value >= minimum, value <= 500 else {
                    throw ValidationError("\(flag): \(part.debugDescription) is not between \(minimum) and 500")
                }
                return value
            }
        }
        var scenarios = try sizes(receivers, "--receivers", minimum: 1).map { SFUScenario.fanOut(receivers: $0) }
        scenarios += try sizes(mesh, "--mesh", minimum: 2).map { SFUScenario.mesh(members: $0) }
        let launcher = serverBinary.map { ServerProcess.Launcher(executable: URL(fileURLWithPath: $0)) }
            ?? .init(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(), leadingArguments: ["trtc-server"])
        let log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        let machine = MachineDescription.current()
        log("trtc-bench sfu on \(machine.summary); server: \(launcher.description)")
        let benchmark = SFUBenchmark(launcher: launcher, rate: rate, seconds: seconds, log: log)
        var rows: [SFUResult] = []
        for scenario in scenarios {
            rows.append(contentsOf: try await benchmark.run(scenario))
        }
        let report = """
            ## SFU forwarding (trtc-bench sfu)

            \(machine.markdown)
            - publishers send 1200-byte RTP at \(rate) packets/s each; \(seconds.decimal(digits: 1)) s measured per row; \
            forwarder pinned to CPU \(benchmark.forwarderCPU), clients to CPU 0

            \(SFUResult.markdownTable(rows))

            """
        print(report)
        try ReportFile.write(report, to: output)
    }
}
