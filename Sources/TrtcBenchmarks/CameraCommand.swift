import ArgumentParser
import Foundation
import TrtcHarness
import TrtcMeasurement
import TrtcPipeWire

/// `trtc-bench camera`: the synthetic camera of the network benchmark as a node of its own, on the PipeWire of the
/// environment (or a private one), for trying trtcd by hand (`trtcctl` StartLocalVideo with `camera` = the node) or
/// checking the camera and the reader alone (`--read`: this program reads its own node back, stamps and all).
struct CameraCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "camera",
        abstract: "Run the stamped synthetic camera as a PipeWire Video/Source node (docs/network-lab.md).")

    @Option(help: "The node's name.")
    var name = "trtc-bench-camera"

    @Option(help: "Picture size WIDTHxHEIGHT.")
    var size = "640x480"

    @Option(help: "Frames per second.")
    var fps = 30

    @Option(help: "Seconds to run (0: until interrupted).")
    var seconds = 0.0

    @Option(help: "Read a node back as an app would and report its stamps every second: this camera's own node (\"self\") or another node's name (e.g. trtcd.remote.USER.main).")
    var read: String?

    @Flag(help: "Start a private PipeWire (scripts/pipewire-test-env) instead of using the environment's.")
    var privatePipewire = false

    @Option(help: "scripts/pipewire-test-env of the source tree (with --private-pipewire).")
    var pipewireScript = "scripts/pipewire-test-env"

    func run() async throws {
        let parts = size.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2 else { throw ValidationError("--size must be WIDTHxHEIGHT") }
        let environment = privatePipewire ? try PipeWireTestEnvironment.start(script: pipewireScript) : nil
        defer { environment?.stop() }
        let remote = environment?.socketPath
        let cameraLoop = try PipeWireLoop(name: "trtc-bench-camera", remote: remote)
        let camera = try SyntheticCamera(loop: cameraLoop, nodeName: name, width: parts[0], height: parts[1], fps: fps)
        defer { camera.stop() }
        print("camera \(name) node \(camera.nodeId.map(String.init) ?? "?"): \(parts[0])x\(parts[1])@\(fps)")
        var reader: StampedVideoReader?
        if let read {
            let readerLoop = try PipeWireLoop(name: "trtc-bench-reader", remote: remote)
            reader = try StampedVideoReader(loop: readerLoop, nodeName: read == "self" ? name : read, width: parts[0], height: parts[1],
                                            fps: fps, scene: camera.scene, qualityEvery: 10)
            print("reading \(read == "self" ? name : read): \(reader!.format)")
        }
        let started = ContinuousClock.now
        var lastCount = 0
        var lastPushed = 0
        while seconds == 0 || ContinuousClock.now - started < .milliseconds(Int64(seconds * 1000)) {
            try await Task.sleep(for: .seconds(1))
            var line = "pushed \(camera.framesPushed - lastPushed)/s (late \(camera.framesLate), taken \(camera.framesDelivered))"
            lastPushed = camera.framesPushed
            if let reader {
                let pictures = reader.pictures
                let recent = pictures.dropFirst(lastCount)
                lastCount = pictures.count
                let latency = DurationPercentiles(recent.map(\.latency))
                line += "; read \(recent.count)/s, latency p50 \(latency.percentile(0.5)?.formattedMilliseconds ?? "?"), "
                    + "unreadable \(reader.unreadable), PSNR \(reader.quality.last.map { min($0.psnr, 99).decimal(digits: 1) } ?? "?") dB"
            }
            print(line)
        }
        await reader?.stop()
    }
}

