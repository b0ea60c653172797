import ArgumentParser
import Foundation
import TrtcHarness

/// `trtc-bench network`: what a viewer sees through an impaired network (docs/network-lab.md, docs/benchmarks.md).
struct NetworkBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Measure video through the network lab: fps, freezes, glass-to-glass latency, PSNR, loss and repair per scenario.",
        discussion: """
            Each run starts a private PipeWire (once), a seeded impairment relay, trtc-server and two trtcds: the publisher \
            sends the synthetic camera (stamped with frame ids and capture times) and the test microphone, the viewer shows \
            the video in its node, which this program reads. Scenarios: \(NetworkScenario.all.map(\.name).joined(separator: ", ")). \
            On a limited link the video bitrate is lowered to \(Int(NetworkScenario.videoShareOfCapacity * 100)) % of the \
            capacity (the table says so), except in the adaptive scenarios (cap500, loss5cc, steps, fair2: issue 14), where trtcd's \
            send-side estimator adapts; steps needs --warm-up 0 --duration 100; fair2 adds a second publisher whose uplink \
            shares the relay's bottleneck (RFC 8868 fairness). Exit status 2 when a target is missed.
            """)

    @Option(help: "Scenarios to run, comma-separated (default: all but the adaptive ones).")
    var scenarios = NetworkScenario.all.filter { !$0.adaptive }.map(\.name).joined(separator: ",")

    @Option(help: "Measured seconds per run (after the warm-up); the outage scenario needs at least 11.")
    var duration = 20.0

    @Option(help: "Seconds of warm-up per run before measuring.")
    var warmUp = 5.0

    @Option(help: "Runs per scenario; the table shows medians.")
    var repeats = 3

    @Option(help: "Picture size WIDTHxHEIGHT.")
    var size = "640x480"

    @Option(help: "Frames per second of the camera.")
    var fps = 30

    @Option(help: "Video bitrate in kbit/s (default: 800 up to 640×480, 1500 above, as `trtc-bench media`).")
    var bitrate: Int?

    @Option(help: "Compare every n-th picture read with the one sent (PSNR).")
    var qualityEvery = 5

    @Option(help: "Seed of the relay's loss and jitter (run n uses seed + n).")
    var seed: UInt64 = 12

    @Option(help: "The trtcd executable (default: next to this program).")
    var trtcd: String?

    @Option(help: "Run this trtc-server executable instead of this program's own trtc-server subcommand.")
    var serverBinary: String?

    @Option(help: "scripts/pipewire-test-env of the source tree.")
    var pipewireScript = "scripts/pipewire-test-env"

    @Option(help: "Also write the results (markdown) to this file (created or replaced).")
    var output: String?

    func validate() throws {
        try ReportFile.validate(output)
        _ = try chosenScenarios()
        _ = try pictureSize()
        guard duration >= 2, warmUp >= 0, repeats >= 1, (1...60).contains(fps), qualityEvery >= 1 else {
            throw ValidationError("--duration ≥ 2, --warm-up ≥ 0, --repeats ≥ 1, --fps 1…60, --quality-every ≥ 1")
        }
        if try chosenScenarios().contains(where: { $0.outage != nil }), duration < 11 {
            throw ValidationError("the outage scenario needs --duration 11 or more (outage at 3 s, 2 s long, 5 s after it)")
        }
    }

    func chosenScenarios() throws -> [NetworkScenario] {
        let names = scenarios.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return try names.map { name in
            guard let scenario = NetworkScenario.all.first(where: { $0.name == name }) else {
                throw ValidationError("unknown scenario '\(name)'; known: \(NetworkScenario.all.map(\.name).joined(separator: ", "))")
            }
            return scenario
        }
    }

    func pictureSize() throws -> (Int, Int) {
        let parts = size.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] >= 128, parts[1] >= 96, parts[0] % 2 == 0, parts[1] % 2 == 0 else {
            throw ValidationError("--size must be WIDTHxHEIGHT, even, at least 128x96")
        }
        return (parts[0], parts[1])
    }

    func run() async throws {
        let (width, height) = try pictureSize()
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let launcher: ServerProcess.Launcher = serverBinary.map { .init(executable: URL(fileURLWithPath: $0), leadingArguments: []) }
            ?? .init(executable: executable, leadingArguments: ["trtc-server"])
        let settings = NetworkBenchmark.Settings(
            trtcdPath: trtcd ?? executable.deletingLastPathComponent().appendingPathComponent("trtcd").path,
            launcher: launcher, width: width, height: height, fps: fps,
            bitrateKbps: bitrate ?? (width * height > 640 * 480 ? 1500 : 800),
            warmUp: .milliseconds(Int64(warmUp * 1000)), window: .milliseconds(Int64(duration * 1000)), seed: seed,
            qualityEvery: qualityEvery)
        let machine = MachineDescription.current()
        let commandLine = (["trtc-bench"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        var report = NetworkBenchReport(machine: machine, settings: settings, command: commandLine)
        let benchmark = try NetworkBenchmark(settings: settings, pipeWireScript: pipewireScript)
        defer { benchmark.stop() }
        for scenario in try chosenScenarios() {
            for index in 0..<repeats {
                print("network: \(scenario.name), run \(index + 1) of \(repeats) …")
                let result = try await benchmark.run(scenario, repeatIndex: index) { print($0) }
                print("  \(result.video.framesPerSecond.decimal(digits: 1)) fps received, \(result.video.freezes) freezes, "
                      + "p50 \(result.video.latency.percentile(0.5)?.formattedMilliseconds ?? "?"), "
                      + "residual loss \(result.residualLoss.map { ($0 * 100).decimal(digits: 2) + " %" } ?? "?")")
                report.add(result, for: scenario)
            }
        }
        let text = report.markdown
        print(text)
        try ReportFile.write(text, to: output)
        if !report.missedTargets.isEmpty {
            print("missed: " + report.missedTargets.joined(separator: "; "))
            throw ExitCode(2)
        }
    }
}
