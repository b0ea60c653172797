import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import TrtcDBus
import TrtcDBusContract

/// The real publishing path: a private PipeWire (scripts/pipewire-test-env, its test camera), a private
/// dbus-daemon, trtc-server and trtcd as separate processes; trtcd enters a room and publishes the camera.
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
    private var pipeWireDirectory: String?
    private(set) var pipeWireEnvironment: [String: String] = [:]
    private var busPid: Int32?
    private(set) var server: ServerProcess?
    private var daemon: Process?
    private let daemonLog = DaemonLog()
    private(set) var credentials: BenchCredentials?
    private var bus: BusConnection?

    init(trtcdPath: String, launcher: ServerProcess.Launcher, pipeWireScript: String) {
        self.trtcdPath = trtcdPath
        self.launcher = launcher
        self.pipeWireScript = pipeWireScript
    }

    func start() async throws {
        let pipeWire = try ChildRun.run(pipeWireScript, ["start"])
        guard pipeWire.status == 0 else { throw BenchFailure("pipewire-test-env start failed: \(pipeWire.errorOutput)") }
        for line in pipeWire.output.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            pipeWireEnvironment[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
                .trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        }
        pipeWireDirectory = pipeWireEnvironment["PIPEWIRE_TEST_DIR"]
        guard let directory = pipeWireDirectory else { throw BenchFailure("pipewire-test-env printed no PIPEWIRE_TEST_DIR") }

        let busAddress = "unix:path=\(directory)/bench-bus"
        let dbus = try ChildRun.run("dbus-daemon", ["--session", "--fork", "--print-pid", "--address=\(busAddress)"])
        guard dbus.status == 0, let pid = Int32(dbus.output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchFailure("dbus-daemon did not start: \(dbus.errorOutput)")
        }
        busPid = pid

        let credentials = BenchCredentials()
        let server = try await ServerProcess.start(launcher, credentials: credentials, departureTimeoutSeconds: 5)
        self.server = server

        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: trtcdPath)
        daemon.arguments = ["--server", server.url, "--log-level", "debug"]
        var environment = ProcessInfo.processInfo.environment.merging(pipeWireEnvironment) { _, new in new }
        environment["DBUS_SESSION_BUS_ADDRESS"] = busAddress
        environment.removeValue(forKey: "JOURNAL_STREAM")
        daemon.environment = environment
        let stderr = Pipe()
        daemon.standardError = stderr
        daemon.standardOutput = FileHandle.nullDevice
        stderr.fileHandleForReading.readabilityHandler = { [daemonLog] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil; return }
            daemonLog.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try daemon.run()
        self.daemon = daemon
        let deadline = ContinuousClock.now + .seconds(20)
        while !daemonLog.text.withLock({ $0.contains("trtcd ready") }) {
            guard daemon.isRunning, ContinuousClock.now < deadline else {
                throw BenchFailure("trtcd did not start: \(daemonLog.text.withLock { $0 }.suffix(1000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let bus = try await BusConnection.connect(address: busAddress)
        self.bus = bus
        try await call("EnterRoom", [.variantDictionary([
            "sdkAppId": .uint32(credentials.sdkAppId), "userId": .string("bench"),
            "userSig": .string(credentials.userSig("bench")), "roomId": .uint32(1),
        ])])
        self.credentials = credentials
    }

    /// Publishes the test camera at the given settings and measures between trtcd's periodic statistics lines
    /// (logged with every RTCP sender report, i.e. every 5 s): the first interval is warm-up, then `intervals`.
    func measure(width: Int, height: Int, fps: Int, bitrateKbps: Int, intervals: Int) async throws -> Result {
        guard let daemon, let server else { throw BenchFailure("not started") }
        let logBefore = daemonLog.text.withLock { $0.count }
        try await call("StartLocalVideo", [.variantDictionary([
            "camera": .string("trtc-test-camera"), "width": .uint32(UInt32(width)), "height": .uint32(UInt32(height)),
            "fps": .uint32(UInt32(fps)), "bitrate": .uint32(UInt32(bitrateKbps)),
        ])])
        func statsLines() -> [Substring] {
            daemonLog.text.withLock { log in
                String(log.dropFirst(logBefore)).split(separator: "\n").filter { $0.contains("video publishing") }.map { Substring($0) }
            }
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
            guard ContinuousClock.now < deadline, daemon.isRunning else {
                throw BenchFailure("trtcd logged \(statsLines().count) statistics lines at \(width)x\(height)")
            }
            let lines = statsLines()
            if lines.count >= marks.count + 2 {
                marks.append(Mark(line: lines[marks.count + 1], cpu: try ProcessStat.cpuSeconds(daemon.processIdentifier),
                                  packets: try await mediaPacketsIn(server), time: .now))
            }
            if !marks.isEmpty { resident.append(try ResidentMemory.of(daemon.processIdentifier)) }
            try await Task.sleep(for: .milliseconds(100))
        }
        let peak = try ProcessStat.peakResidentMiB(daemon.processIdentifier)
        try await call("StopLocalVideo")
        func field(_ line: Substring, _ name: String) -> Double {
            guard let range = line.range(of: name + "=") else { return 0 }
            return Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." }) ?? 0
        }
        let (first, last) = (marks[0], marks[marks.count - 1])
        let largest = resident.max { $0.resident < $1.resident }
        let cameraFormat = daemonLog.text.withLock { log -> String in
            let opened = String(log.dropFirst(logBefore)).split(separator: "\n").first { $0.contains("camera open") }
            // swift-log's stream format: "… format=UYVY 1280x720 @ 30.0 fps [TrtcDaemon] camera open".
            guard let opened, let start = opened.range(of: "format=") else { return "?" }
            let rest = opened[start.upperBound...]
            return String(rest[..<(rest.range(of: " [")?.lowerBound ?? rest.endIndex)])
        }
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
    var logTail: String { String(daemonLog.text.withLock { $0 }.suffix(3000)) }

    func stop() async {
        if bus != nil { _ = try? await call("ExitRoom") }
        await bus?.close()
        if let daemon, daemon.isRunning {
            daemon.terminate()
            let deadline = ContinuousClock.now + .seconds(5)
            while daemon.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        }
        await server?.stop()
        // SIGKILL: a dbus-daemon started from a process with blocked signals may never see SIGTERM.
        if let busPid { kill(busPid, SIGKILL) }
        if let pipeWireDirectory {
            _ = try? ChildRun.run(pipeWireScript, ["stop", pipeWireDirectory])
            try? FileManager.default.removeItem(atPath: pipeWireDirectory)
        }
    }

    @discardableResult
    func call(_ member: String, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
        guard let bus else { throw BenchFailure("no bus") }
        return try await bus.call(destination: RoomBus.name, path: RoomBus.objectPath, interface: RoomBus.interface,
                                  member: member, arguments: arguments, timeout: .seconds(30))
    }

    private func mediaPacketsIn(_ server: ServerProcess) async throws -> Double {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://\(server.endpoint)/metrics")!)
        let sample = "trtc_media_packets_total{direction=\"in\"} "
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(sample) {
            return Double(line.dropFirst(sample.count)) ?? 0
        }
        return 0
    }
}

/// CPU and memory of another process, from /proc.
enum ProcessStat {
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the parenthesised command name; utime and stime are the 14th and 15th fields overall.
        guard let close = stat.lastIndex(of: ")") else { throw BenchFailure("unreadable /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BenchFailure("unreadable /proc/\(pid)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func peakResidentMiB(_ pid: Int32) throws -> Double { try statusKiB(pid, "VmHWM:") / 1024 }

    private static func statusKiB(_ pid: Int32, _ key: String) throws -> Double {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }),
              let value = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Double($0) })
        else { throw BenchFailure("no \(key) in /proc/\(pid)/status") }
        return value
    }
}

/// trtcd's stderr as it arrives (filled by the pipe's reader callback).
private final class DaemonLog: Sendable {
    let text = Mutex("")
}
