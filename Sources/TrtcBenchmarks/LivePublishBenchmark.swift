import Foundation
import TrtcDBus
import TrtcDBusContract
import TrtcHarness
import TrtcMeasurement
import TrtcPipeWire

/// The real publishing path: a private PipeWire (scripts/pipewire-test-env), a private dbus-daemon, trtc-server and
/// trtcd as separate processes; trtcd enters a room and publishes a camera: the synthetic one (`SyntheticCamera`, a
/// node of this process: a moving scene, stamped, pushed at exactly the frame rate) or the test camera
/// (`videotestsrc`, whose default pattern includes random noise).
/// Figures come from trtcd's own per-capture statistics (logged when the camera closes), /proc, and the
/// server's /metrics.
final class LivePublishBenchmark {
    struct Result: Sendable {
        var width: Int
        var height: Int
        var fps: Int
        var bitrateKbps: Int
        var window: Duration
        /// Frames the camera delivered to the publisher, and frames encoded and sent (libvpx's CBR rate control
        /// drops frames when the buffer would overflow), per second.
        var framesOfferedPerSecond: Double
        var framesPerSecond: Double
        var latencyAverage: Duration
        var latencyMaximum: Duration
        /// trtcd's encoder-queue CPU per sent frame (encode + packetize + send).
        var encoderCPUPerFrame: Duration
        /// All of trtcd (conversion on the PipeWire thread, encoder, sockets, D-Bus) in % of one core.
        var daemonCPUPercent: Double
        var packetsPerSecond: Double
        var residentMiB: Double
        var peakResidentMiB: Double
        /// The sample with the highest VmRSS, split into anonymous, file-backed and shared memory.
        var largestSample: ResidentMemory?
        /// What trtcd logged as the camera's negotiated format, e.g. "UYVY 1280x720 @ 30.0 fps".
        var cameraFormat: String
        var framesDroppedBehind: Int
    }

    let trtcdPath: String
    let launcher: ServerProcess.Launcher
    let pipeWireScript: String
    /// The synthetic camera instead of the test camera.
    let synthetic: Bool
    private(set) var pipeWire: PipeWireTestEnvironment?
    private var loop: PipeWireLoop?
    private var bus: PrivateBus?
    private(set) var server: ServerProcess?
    private var daemon: DaemonProcess?
    private(set) var credentials: ServerCredentials?
    private var connection: BusConnection?

    init(trtcdPath: String, launcher: ServerProcess.Launcher, pipeWireScript: String, synthetic: Bool) {
        self.trtcdPath = trtcdPath
        self.launcher = launcher
        self.pipeWireScript = pipeWireScript
        self.synthetic = synthetic
    }

    /// What the report calls the camera.
    var cameraDescription: String {
        synthetic ? "the synthetic camera (trtc-bench's stamped moving scene, I420, pushed at exactly the frame rate)"
            : "the PipeWire test camera (`videotestsrc`; its default pattern includes random noise)"
    }

    /// Runs `body` with the camera's node name: the synthetic camera is created for the size and removed afterwards.
    func withCamera<T>(width: Int, height: Int, fps: Int, _ body: (String) async throws -> T) async throws -> T {
        guard synthetic else { return try await body(PipeWireTestEnvironment.cameraName) }
        guard let loop else { throw BenchFailure("not started") }
        let camera = try SyntheticCamera(loop: loop, nodeName: "trtc-bench-camera", width: width, height: height, fps: fps)
        defer {
            print("synthetic camera: \(camera.framesPushed) pictures pushed (\(camera.framesLate) late), \(camera.framesDelivered) taken by PipeWire")
            camera.stop()
        }
        return try await body(camera.nodeName)
    }

    func start() async throws {
        let pipeWire = try PipeWireTestEnvironment.start(script: pipeWireScript)
        self.pipeWire = pipeWire
        if synthetic { loop = try PipeWireLoop(name: "trtc-bench", remote: pipeWire.socketPath) }
        let bus = try await PrivateBus.start()
        self.bus = bus
        let credentials = ServerCredentials.random()
        let server = try await ServerProcess.start(launcher, certificate: nil, credentials: credentials, departureTimeout: 5)
        self.server = server
        daemon = try await DaemonProcess.start(URL(fileURLWithPath: trtcdPath), on: bus, server: server.url, trustingTestCA: false,
                                               environment: pipeWire.exports)
        connection = try await BusConnection.connect(address: bus.address)
        try await call("EnterRoom", [.variantDictionary([
            "sdkAppId": .uint32(credentials.sdkAppId), "userId": .string("bench"),
            "userSig": .string(credentials.userSig("bench")), "roomId": .uint32(1),
        ])])
        self.credentials = credentials
    }

    /// Publishes the camera at the given settings and measures between trtcd's periodic statistics lines (logged with
    /// every RTCP sender report, i.e. every 5 s): the first interval is warm-up, then `intervals`.
    func measure(width: Int, height: Int, fps: Int, bitrateKbps: Int, intervals: Int) async throws -> Result {
        try await withCamera(width: width, height: height, fps: fps) { camera in
            try await measure(camera: camera, width: width, height: height, fps: fps, bitrateKbps: bitrateKbps, intervals: intervals)
        }
    }

    private func measure(camera: String, width: Int, height: Int, fps: Int, bitrateKbps: Int, intervals: Int) async throws -> Result {
        guard let daemon, let server else { throw BenchFailure("not started") }
        let logBefore = daemon.process.errorOutput.count
        try await call("StartLocalVideo", [.variantDictionary([
            "camera": .string(camera), "width": .uint32(UInt32(width)), "height": .uint32(UInt32(height)),
            "fps": .uint32(UInt32(fps)), "bitrate": .uint32(UInt32(bitrateKbps)),
        ])])
        func statsLines() -> [Substring] {
            String(daemon.process.errorOutput.dropFirst(logBefore)).split(separator: "\n").filter { $0.contains("video publishing") }
        }
        struct Mark {
            var line: Substring
            var cpu: Double
            var packets: Double
            var time: ContinuousClock.Instant
        }
        var marks: [Mark] = []
        var resident: [ResidentMemory] = []
        let deadline = ContinuousClock.now + .seconds(10 + 6 * intervals)
        // Line 1 comes with the first packet, line 2 five seconds later: measure from line 2 on.
        while marks.count < intervals + 1 {
            guard ContinuousClock.now < deadline, daemon.process.isRunning else {
                throw BenchFailure("trtcd logged \(statsLines().count) statistics lines at \(width)x\(height)")
            }
            let lines = statsLines()
            if lines.count >= marks.count + 2 {
                marks.append(Mark(line: lines[marks.count + 1], cpu: try ProcessCPU.seconds(of: daemon.pid),
                                  packets: try await mediaPacketsIn(server), time: .now))
            }
            if !marks.isEmpty { resident.append(try ResidentMemory.of(daemon.pid)) }
            try await Task.sleep(for: .milliseconds(100))
        }
        let peak = Double(try ResidentMemory.of(daemon.pid).peak) / 1_048_576
        try await call("StopLocalVideo")
        if let closed = String(daemon.process.errorOutput.dropFirst(logBefore)).split(separator: "\n").last(where: { $0.contains("camera closed") }) {
            print("trtcd: \(closed)")  // where captured frames went (buffers, thinned, unread) and what was sent
        }
        func field(_ line: Substring, _ name: String) -> Double {
            guard let range = line.range(of: name + "=") else { return 0 }
            return Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." }) ?? 0
        }
        let (first, last) = (marks[0], marks[marks.count - 1])
        let largest = resident.max { $0.resident < $1.resident }
        let cameraFormat: String = {
            let log = String(daemon.process.errorOutput.dropFirst(logBefore))
            let opened = log.split(separator: "\n").first { $0.contains("camera open") }
            // swift-log's stream format: "… format=UYVY 1280x720 @ 30.0 fps [TrtcDaemon] camera open".
            guard let opened, let start = opened.range(of: "format=") else { return "?" }
            let rest = opened[start.upperBound...]
            return String(rest[..<(rest.range(of: " [")?.lowerBound ?? rest.endIndex)])
        }()
        let seconds = (last.time - first.time).milliseconds / 1000
        let frames = max(field(last.line, "sent") - field(first.line, "sent"), 1)
        let statsSeconds = 5.0 * Double(intervals)
        return Result(
            width: width, height: height, fps: fps, bitrateKbps: bitrateKbps, window: last.time - first.time,
            framesOfferedPerSecond: (field(last.line, "offered") - field(first.line, "offered")) / statsSeconds,
            framesPerSecond: frames / statsSeconds,
            latencyAverage: .microseconds(Int64((field(last.line, "latencySumMs") - field(first.line, "latencySumMs")) / frames * 1000)),
            latencyMaximum: .microseconds(Int64(field(last.line, "latencyMaxMs") * 1000)),
            encoderCPUPerFrame: .microseconds(Int64((field(last.line, "cpuSumMs") - field(first.line, "cpuSumMs")) / frames * 1000)),
            daemonCPUPercent: (last.cpu - first.cpu) / seconds * 100,
            packetsPerSecond: (last.packets - first.packets) / seconds,
            residentMiB: Double(largest?.resident ?? 0) / 1_048_576, peakResidentMiB: peak, largestSample: largest,
            cameraFormat: cameraFormat,
            framesDroppedBehind: Int(field(last.line, "behind") - field(first.line, "behind")))
    }

    /// The end of trtcd's log, for failure reports.
    var logTail: String { daemon?.logTail(3000) ?? "(trtcd did not start)" }

    func stop() async {
        if connection != nil { _ = try? await call("ExitRoom") }
        await connection?.close()
        await daemon?.stop()
        await server?.stop()
        await bus?.stop()
        pipeWire?.stop()
    }

    @discardableResult
    func call(_ member: String, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
        guard let connection else { throw BenchFailure("no bus") }
        return try await connection.call(destination: RoomBus.name, path: RoomBus.objectPath, interface: RoomBus.interface,
                                         member: member, arguments: arguments, timeout: .seconds(30))
    }

    private func mediaPacketsIn(_ server: ServerProcess) async throws -> Double {
        try await server.metricValue(#"trtc_media_packets_total{direction="in"}"#) ?? 0
    }
}
