import Foundation
import TrtcDBus
import TrtcDBusContract
import TrtcHarness

extension LivePublishBenchmark {
    /// A second trtcd ("viewer", its own bus, the same PipeWire) in the room while the first publishes camera and
    /// microphone: it plays the audio (automatic) and shows the video in a node (StartRemoteVideo) that GStreamer
    /// reads, as a desktop app would.
    struct ReceiveResult: Sendable {
        var width: Int
        var height: Int
        var bitrateKbps: Int
        var window: Duration
        /// Pictures the viewer decoded, per second (the sender's rate control sends fewer than 30).
        var picturesPerSecond: Double
        var decodeCPUPerPicture: Duration
        /// The whole viewer trtcd: receive thread, decoders, PipeWire thread, in % of one core.
        var viewerCPUPercent: Double
        var residentMiB: Double
        var peakResidentMiB: Double
    }

    func measureReceiving(width: Int, height: Int, bitrateKbps: Int, seconds: Int, trtcdPath: String) async throws -> ReceiveResult {
        try await withCamera(width: width, height: height, fps: 30) { camera in
            try await measureReceiving(camera: camera, width: width, height: height, bitrateKbps: bitrateKbps, seconds: seconds,
                                       trtcdPath: trtcdPath)
        }
    }

    private func measureReceiving(camera: String, width: Int, height: Int, bitrateKbps: Int, seconds: Int, trtcdPath: String) async throws -> ReceiveResult {
        guard let server, let credentials, let pipeWire else { throw BenchFailure("not started") }
        let viewerBus = try await PrivateBus.start()
        let viewer: DaemonProcess
        do {
            viewer = try await DaemonProcess.start(URL(fileURLWithPath: trtcdPath), on: viewerBus, server: server.url, trustingTestCA: false,
                                                   environment: pipeWire.exports)
        } catch {
            await viewerBus.stop()
            throw error
        }
        var consumer: ChildProcess?
        do {
            let viewerConnection = try await BusConnection.connect(address: viewerBus.address)
            func viewerCall(_ member: String, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
                try await viewerConnection.call(destination: RoomBus.name, path: RoomBus.objectPath,
                                                interface: RoomBus.interface, member: member, arguments: arguments,
                                                timeout: .seconds(30))
            }
            _ = try await viewerCall("EnterRoom", [.variantDictionary([
                "sdkAppId": .uint32(credentials.sdkAppId), "userId": .string("viewer"),
                "userSig": .string(credentials.userSig("viewer")), "roomId": .uint32(1),
            ])])
            try await call("StartLocalVideo", [.variantDictionary([
                "camera": .string(camera), "width": .uint32(UInt32(width)), "height": .uint32(UInt32(height)),
                "fps": .uint32(30), "bitrate": .uint32(UInt32(bitrateKbps)),
            ])])
            try await call("StartLocalAudio", [.variantDictionary(["microphone": .string("trtc-test-microphone")])])
            try await Task.sleep(for: .seconds(1))
            guard let nodeId = try await viewerCall("StartRemoteVideo", [.string("bench"), .string("main")]).first?.uint32 else {
                throw BenchFailure("StartRemoteVideo returned no node id")
            }
            let gst = try ChildProcess("/usr/bin/gst-launch-1.0", ["-q", "pipewiresrc", "path=\(nodeId)", "!", "fakesink"],
                                       environment: pipeWire.childEnvironment)
            consumer = gst

            try await Task.sleep(for: .seconds(3))  // warm-up: first key frame, links, buffers
            func totals() -> (pictures: Double, decodeMs: Double) {
                guard let line = viewer.process.errorOutput.split(separator: "\n").last(where: { $0.contains("remote video receiving") }) else { return (0, 0) }
                func field(_ name: String) -> Double {
                    guard let range = line.range(of: name + "=") else { return 0 }
                    return Double(line[range.upperBound...].prefix { $0.isNumber || $0 == "." }) ?? 0
                }
                return (field("pictures"), field("decodeCpuMs"))
            }
            let (startCPU, startTime) = (try ProcessCPU.seconds(of: viewer.pid), ContinuousClock.now)
            // The statistics line comes every 30 pictures: rate between the first and the last line seen change.
            var firstLine: (totals: (pictures: Double, decodeMs: Double), time: ContinuousClock.Instant)?
            var lastLine = firstLine
            var largest = 0
            let end = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < end {
                largest = max(largest, try ResidentMemory.of(viewer.pid).resident)
                let now = totals()
                if now.pictures > (lastLine?.totals.pictures ?? 0) {
                    lastLine = (now, .now)
                    if firstLine == nil { firstLine = lastLine }
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let (endCPU, endTime) = (try ProcessCPU.seconds(of: viewer.pid), ContinuousClock.now)
            guard let firstLine, let lastLine, lastLine.totals.pictures > firstLine.totals.pictures else {
                throw BenchFailure("the viewer decoded no pictures: \(viewer.logTail())")
            }
            let window = endTime - startTime
            let pictures = lastLine.totals.pictures - firstLine.totals.pictures
            let result = ReceiveResult(
                width: width, height: height, bitrateKbps: bitrateKbps, window: window,
                picturesPerSecond: pictures / ((lastLine.time - firstLine.time) / .seconds(1)),
                decodeCPUPerPicture: .microseconds(Int64((lastLine.totals.decodeMs - firstLine.totals.decodeMs) / pictures * 1000)),
                viewerCPUPercent: (endCPU - startCPU) / (window / .seconds(1)) * 100,
                // VmHWM is updated lazily by the kernel: never report it below a sampled VmRSS.
                residentMiB: Double(largest) / 1_048_576,
                peakResidentMiB: max(Double(try ResidentMemory.of(viewer.pid).peak), Double(largest)) / 1_048_576)
            await gst.stop()
            _ = try? await viewerCall("ExitRoom")
            await viewerConnection.close()
            try await call("StopLocalVideo")
            try await call("StopLocalAudio")
            await viewer.stop()
            await viewerBus.stop()
            return result
        } catch {
            await consumer?.stop()
            print("the viewer's log ends:\n\(viewer.logTail())")
            await viewer.stop()
            await viewerBus.stop()
            throw error
        }
    }
}
