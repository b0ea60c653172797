import ArgumentParser
import Foundation
import TrtcHarness

/// `trtc-bench media`: trtcd's local media path (docs/benchmarks.md, "Media").
struct MediaBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "Benchmark trtcd's publishing path: VP8 against vpxenc --rt, and a real trtcd publishing the test camera.",
        discussion: """
            Codec: the same synthetic 30 fps frames are encoded by our path (VP8Encoder + VP8Packetizer) and by \
            vpxenc with equal settings; the ratio of CPU time is the figure (≥ 1: we are at least as fast). \
            Live: a private PipeWire (scripts/pipewire-test-env), dbus-daemon, trtc-server and trtcd; trtcd publishes \
            the camera (--camera: the synthetic one by default) at 640×480 and 1280×720, 30 fps.
            """)

    @Option(help: "Frames per size for the codec comparison.")
    var frames = 150

    @Option(help: "5-second intervals measured per live run (after 5 s of warm-up).")
    var intervals = 2

    @Option(help: "Sections to run, comma-separated: codec, live, receive.")
    var only = "codec,live,receive"

    @Option(help: "The camera trtcd publishes: synthetic (trtc-bench's moving scene, pushed at exactly the frame rate) or test (the PipeWire test camera, videotestsrc, whose default pattern includes random noise).")
    var camera = "synthetic"

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
        guard ["synthetic", "test"].contains(camera) else { throw ValidationError("--camera must be synthetic or test") }
    }

    func run() async throws {
        let sections = Set(only.split(separator: ",").map(String.init))
        let machine = MachineDescription.current()
        var report = MediaBenchReport(machine: machine)
        if sections.contains("codec") {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-bench-media-\(getpid())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let comparison = CodecComparison(frames: frames, directory: directory)
            for (width, height, bitrate) in [(640, 480, 800), (1280, 720, 1500)] {
                print("codec: \(width)x\(height) …")
                report.codec.append(try comparison.run(width: width, height: height, bitrateKbps: bitrate))
            }
        }
        if sections.contains("live") || sections.contains("receive") {
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            let launcher: ServerProcess.Launcher = serverBinary.map { .init(executable: URL(fileURLWithPath: $0), leadingArguments: []) }
                ?? .init(executable: executable, leadingArguments: ["trtc-server"])
            let live = LivePublishBenchmark(
                trtcdPath: trtcd ?? executable.deletingLastPathComponent().appendingPathComponent("trtcd").path,
                launcher: launcher, pipeWireScript: pipewireScript, synthetic: camera == "synthetic")
            report.camera = live.cameraDescription
            do {
                try await live.start()
                for (width, height, bitrate) in [(640, 480, 800), (1280, 720, 1500)] where sections.contains("live") {
                    print("live: trtcd publishing \(width)x\(height) …")
                    report.live.append(try await live.measure(width: width, height: height, fps: 30, bitrateKbps: bitrate,
                                                              intervals: intervals))
                }
                for (width, height, bitrate) in [(640, 480, 800), (1280, 720, 1500)] where sections.contains("receive") {
                    print("receive: a second trtcd watching and hearing \(width)x\(height) …")
                    report.receive.append(try await live.measureReceiving(
                        width: width, height: height, bitrateKbps: bitrate, seconds: 5 * intervals, trtcdPath: live.trtcdPath))
                }
            } catch {
                print("trtcd's log ends:\n\(live.logTail)")
                await live.stop()
                throw error
            }
            await live.stop()
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
