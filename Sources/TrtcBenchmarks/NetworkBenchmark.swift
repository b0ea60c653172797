import Foundation
import TrtcCore
import TrtcDBus
import TrtcDBusContract
import TrtcHarness
import TrtcMeasurement
import TrtcNetLab
import TrtcPipeWire

/// `trtc-bench network` (issue 12 §3): what a viewer sees of a publisher's video through an impaired network, one run
/// per scenario and repeat, every run with fresh processes.
///
/// A run: a seeded `ImpairmentRelay` in front of trtc-server's media port (the server announces the relay, so both
/// trtcds' media crosses it: uplink = trtcd → server, downlink = server → trtcd); trtc-server (recording what it
/// accepts, `--record`); two trtcds on private buses and the shared private PipeWire. The publisher trtcd publishes
/// `SyntheticCamera` (a node of this process: stamped pictures) and the test microphone; the viewer trtcd shows the
/// publisher's video in its StartRemoteVideo node, which this process reads as an app would (`StampedVideoReader`).
/// After the warm-up, counters are taken at the start and the end of the measured window.
final class NetworkBenchmark {
    struct Settings: Sendable {
        var trtcdPath: String
        var launcher: ServerProcess.Launcher
        var width: Int
        var height: Int
        var fps: Int
        var bitrateKbps: Int
        var warmUp: Duration
        var window: Duration
        var seed: UInt64
        /// Compare every n-th picture read with the one sent (PSNR).
        var qualityEvery: Int
    }

    /// One run's figures (the window's differences).
    struct RunResult: Sendable {
        var scenario: String
        var bitrateKbps: Int
        var window: Duration
        var video: ReceivedVideoSummary
        /// Video frames that reached the server (its recording), per second: what the publisher sent, less what the
        /// uplink lost for good.
        var framesAtServerPerSecond: Double
        var unreadable: Int
        var psnr: Double?
        /// Datagrams the relay dropped (loss, queue, outage) / datagrams offered, per direction.
        var linkLossUp: Double
        var linkLossDown: Double
        /// Video packets the viewer never got (after every repair) / packets it should have got.
        var residualLoss: Double?
        /// Packets the viewer asked for again (NACKed to the server) and the server asked the publisher for.
        var nacksDown: Double
        var nacksUp: Double
        /// Packets sent again: by the server from its cache, and by the publisher on the server's request.
        var retransmissionsDown: Double
        var retransmissionsUp: Double
        /// Key-frame requests the viewer sent, and that reached the publisher (forwarded + the server's own).
        var plisFromViewer: Double
        var plisToPublisher: Double
        var keyframes: Int
        var audioConcealment: Double?
        var cameraLate: Int
        /// Outage scenarios: from the link's return to the first picture read, and key frames in the 5 s after.
        var firstPictureAfterOutage: Duration?
        var keyframesAfterOutage: Int?
        /// Scenarios with a limited second viewer: its frame rate (mean of its `Statistics` over the window), freezes
        /// and decoder errors in the window, and the server's layer switches down.
        var limitedViewer: LimitedViewer?
        /// Adaptive scenarios: the publisher's `Statistics` every 2 s of the window.
        var sendTrace: [SendSample] = []
        /// Scenarios whose capacity drops (steps): glass-to-glass of the window's pictures but those read in the 5 s
        /// after each drop (RFC 8867's measure).
        var latencyOutsideDrops: DurationPercentiles?
        /// Adaptive scenarios: each new picture of the window, read when (from the relay's start) and its glass-to-glass.
        var pictureLatencies: [(elapsed: Duration, latency: Duration)] = []
        /// Two-publisher scenarios (fair2): the second publisher's figures; the first one's are the run's own.
        var secondPublisher: SecondPublisher?
        /// What the viewer's trtcd says each freeze in the window waited for (its debug log).
        var freezeCauses = FreezeCauses()
        /// The viewer's round trip to the server and its video jitter buffer's delay, from its last `Statistics`.
        var viewerRoundTripMs: Int?
        var viewerVideoDelayMs: Int?

        var minutes: Double { window / .seconds(60) }
    }

    struct LimitedViewer: Sendable {
        var framesPerSecond: Double
        var freezes: Int
        var decoderErrors: Int
        var kbps: Double
        var layerSwitchesDown: Double
    }

    let settings: Settings
    let pipeWire: PipeWireTestEnvironment
    /// Two PipeWire connections of this process, as two apps: the camera's and the viewer app's (a picture read
    /// never waits for the camera's thread, nor the other way round).
    let cameraLoop: PipeWireLoop
    let readerLoop: PipeWireLoop
    /// One `Statistics` of the publisher: time since the relay started, the send estimate, what was sent, the
    /// video encoder's target (kbit/s).
    struct SecondPublisher: Sendable {
        /// Its `Statistics` every 2 s of the window.
        var sendTrace: [SendSample]
        var framesAtServerPerSecond: Double
        /// The viewer's frame rate of it (mean of the viewer's `Statistics` over the window).
        var framesReceivedPerSecond: Double
    }

    struct SendSample: Sendable {
        var elapsed: Duration
        var estimateKbps: Int
        var sentKbps: Int
        var videoTargetKbps: Int
        /// The server's limit on the publisher's video (`receiverLimitKbps`; 0: none).
        var receiverLimitKbps: Int = 0
        /// The viewer's round trip and video jitter buffer delay at the same time (ms; nil: not read).
        var viewerRttMs: Int? = nil
        var viewerVideoDelayMs: Int? = nil
    }

    static let roomId: UInt32 = 1212
    static let cameraNode = "trtc-bench-camera"
    /// fair2's second publisher: its userId and camera.
    static let secondPublisher = "bench2"
    static let secondCameraNode = "trtc-bench-camera-2"

    init(settings: Settings, pipeWireScript: String) throws {
        self.settings = settings
        pipeWire = try PipeWireTestEnvironment.start(script: pipeWireScript)
        do {
            cameraLoop = try PipeWireLoop(name: "trtc-bench-camera", remote: pipeWire.socketPath)
            readerLoop = try PipeWireLoop(name: "trtc-bench-viewer", remote: pipeWire.socketPath)
        } catch {
            pipeWire.stop()
            throw error
        }
    }

    func stop() {
        pipeWire.stop()
    }

    /// One run of `scenario`; `repeatIndex` varies the relay's seed.
    func run(_ scenario: NetworkScenario, repeatIndex: Int, log: (String) -> Void) async throws -> RunResult {
        let profile = try scenario.impairment()
        let bitrate = scenario.fittingBitrate(settings.bitrateKbps)
        let mediaPort = try freeLoopbackUDPPort()
        let relay = try await ImpairmentRelay.start(port: mediaPort, uplink: profile, downlink: try scenario.downlinkImpairment(),
                                                    seed: settings.seed &+ UInt64(repeatIndex))
        let relayStart = MonotonicClock.now
        var cleanup: [() async -> Void] = [{ try? await relay.close() }]
        var limitedRelay: ImpairmentRelay?
        if let profile = scenario.limitedViewerProfile {
            limitedRelay = try await ImpairmentRelay.start(
                port: mediaPort, uplink: try ImpairmentProfile(parsing: "delay=50ms"), downlink: try ImpairmentProfile(parsing: profile),
                seed: settings.seed &+ UInt64(repeatIndex) &+ 1)
        }
        if let limitedRelay { cleanup.append { try? await limitedRelay.close() } }
        func tearDown() async {
            for step in cleanup.reversed() { await step() }
        }
        var publisherLog: DaemonProcess?
        var viewerLog: DaemonProcess?
        do {
            let record = try BuiltProducts.temporaryDirectory("trtc-bench-network-record")
            cleanup.append { try? FileManager.default.removeItem(at: record) }
            let credentials = ServerCredentials.random()
            // fair2: only the publishers are told the relay (their uplinks share it), the viewer the server itself.
            let announce = scenario.twoPublishers
                ? ["bench", Self.secondPublisher].flatMap { ["--media-announce-user", "\($0)=127.0.0.1:\(relay.port)"] }
                : ["--media-announce", "127.0.0.1:\(relay.port)"]
            let server = try await ServerProcess.start(
                settings.launcher, certificate: nil, credentials: credentials, departureTimeout: 5,
                extraArguments: ["--media", "127.0.0.1:\(mediaPort)", "--record", record.path] + announce
                    + (limitedRelay.map { ["--media-announce-user", "limited=127.0.0.1:\($0.port)"] } ?? []))
            cleanup.append { await server.stop() }
            let camera = try SyntheticCamera(loop: cameraLoop, nodeName: Self.cameraNode, width: settings.width, height: settings.height,
                                             fps: settings.fps)
            cleanup.append { camera.stop() }

            let publisher = try await RoomMember.start(settings.trtcdPath, server: server, pipeWire: pipeWire, cleanup: &cleanup)
            let viewer = try await RoomMember.start(settings.trtcdPath, server: server, pipeWire: pipeWire, cleanup: &cleanup)
            publisherLog = publisher.daemon
            viewerLog = viewer.daemon
            try await publish(publisher, camera: Self.cameraNode, bitrate: bitrate)
            try await publisher.enter("bench", credentials: credentials)
            var secondPublisher: RoomMember?
            if scenario.twoPublishers {
                let secondCamera = try SyntheticCamera(loop: cameraLoop, nodeName: Self.secondCameraNode, width: settings.width,
                                                       height: settings.height, fps: settings.fps)
                cleanup.append { secondCamera.stop() }
                let member = try await RoomMember.start(settings.trtcdPath, server: server, pipeWire: pipeWire, cleanup: &cleanup)
                try await publish(member, camera: Self.secondCameraNode, bitrate: bitrate)
                try await member.enter(Self.secondPublisher, credentials: credentials)
                secondPublisher = member
            }
            try await viewer.enter("viewer", credentials: credentials)
            if secondPublisher != nil {
                try await Task.sleep(for: .seconds(1))
                _ = try await viewer.call("StartRemoteVideo", [.string(Self.secondPublisher), .string("main")])
            }
            var limited: RoomMember?
            if limitedRelay != nil {
                let member = try await RoomMember.start(settings.trtcdPath, server: server, pipeWire: pipeWire, cleanup: &cleanup)
                try await member.enter("limited", credentials: credentials)
                try await Task.sleep(for: .seconds(1))
                _ = try await member.call("StartRemoteVideo", [.string("bench"), .string("main")])
                limited = member
            }
            try await Task.sleep(for: .seconds(1))  // the publisher's video reaches the viewer: its node gets the right size
            let reader = try await openRemoteVideo(viewer, scene: camera.scene, log: log)
            cleanup.append { await reader.stop() }

            try await Task.sleep(for: settings.warmUp)
            // Issue 14 counts the limited viewer's freezes after its first 10 s (its layer found).
            // fair2 averages the publishers' figures after their first 10 s (the estimators' start-up left out).
            if limited != nil || secondPublisher != nil, settings.warmUp < .seconds(10) {
                try await Task.sleep(for: .seconds(10) - settings.warmUp)
            }
            let recording = VideoRecording(directory: record, user: "bench")
            let secondRecording = VideoRecording(directory: record, user: Self.secondPublisher)
            let start = try await snapshot(server: server, relay: relay, recording: recording)
            let secondRecordedStart = secondPublisher == nil ? 0 : try secondRecording.read().packetCount
            let viewerLogStart = viewer.daemon.process.errorOutput.utf8.count
            let audioStart = Self.audioSamples(try? await viewer.statistics())
            var limitedStart: (fps: Double, freezes: Int, decoderErrors: Int, kbps: Double)?
            if let limited { limitedStart = try await Self.remoteVideo(limited) }
            var limitedRates: [Double] = []
            var outageReturn: Duration?
            var sendTrace: [SendSample] = []
            var secondSendTrace: [SendSample] = []
            var secondReceivedRates: [Double] = []
            var keyframesAfterOutage: Int?
            if let outage = scenario.outage {
                let outageAt = min(.seconds(3), settings.window / 4)
                try await Task.sleep(for: outageAt)
                try await relay.outage(for: outage)
                let back = MonotonicClock.now + outage
                outageReturn = back
                try await Task.sleep(for: outage)
                let atReturn = try recording.read()
                try await Task.sleep(for: .seconds(5))
                keyframesAfterOutage = try recording.read().keyframes(since: atReturn.packetCount)
                let elapsed = MonotonicClock.now - start.time
                if elapsed < settings.window { try await Task.sleep(for: settings.window - elapsed) }
            } else if let limited {
                // The limited viewer's frame rate as its Statistics report it (renewed every 2 s).
                let end = MonotonicClock.now + settings.window
                while MonotonicClock.now < end {
                    try await Task.sleep(for: min(.seconds(2), end - MonotonicClock.now))
                    if let fps = try await Self.remoteVideo(limited)?.fps { limitedRates.append(fps) }
                }
            } else if scenario.adaptive {
                while MonotonicClock.now - start.time < settings.window {
                    try await Task.sleep(for: min(.seconds(2), settings.window - (MonotonicClock.now - start.time)))
                    if var sample = await Self.sendSample(publisher, since: relayStart) {
                        if let values = try? await viewer.statistics(), let statistics = try? RoomStatistics(values) {
                            sample.viewerRttMs = Int(statistics.rtt)
                            sample.viewerVideoDelayMs = statistics.remote.first { $0.userId == "bench" }.map { Int($0.videoJitterBufferDelay) }
                        }
                        sendTrace.append(sample)
                    }
                    if let secondPublisher {
                        if let sample = await Self.sendSample(secondPublisher, since: relayStart) { secondSendTrace.append(sample) }
                        if let fps = try await Self.remoteVideo(viewer, user: Self.secondPublisher)?.fps { secondReceivedRates.append(fps) }
                    }
                }
            } else {
                try await Task.sleep(for: settings.window)
            }
            let end = try await snapshot(server: server, relay: relay, recording: recording)
            let viewerLog = viewer.daemon.process.errorOutput
            let freezeCauses = FreezeCauses(log: String(decoding: viewerLog.utf8.dropFirst(viewerLogStart), as: UTF8.self)[...])
            let viewerStatistics = try? await viewer.statistics()
            let audioEnd = Self.audioSamples(viewerStatistics)  // nil from a trtcd without these counters
            let viewerReport = viewerStatistics.flatMap { try? RoomStatistics($0) }
            let audio: Double? = if let audioStart, let audioEnd, audioEnd.total > audioStart.total {
                Double(audioEnd.concealed - audioStart.concealed) / Double(audioEnd.total - audioStart.total)
            } else { nil }
            await reader.stop()
            var limitedViewer: LimitedViewer?
            if let limited, let first = limitedStart, let last = try await Self.remoteVideo(limited) {
                limitedViewer = LimitedViewer(
                    framesPerSecond: limitedRates.isEmpty ? 0 : limitedRates.reduce(0, +) / Double(limitedRates.count),
                    freezes: last.freezes - first.freezes, decoderErrors: last.decoderErrors, kbps: last.kbps,
                    layerSwitchesDown: (try? await server.metricValue(#"trtc_media_layer_switches_total{direction="down"}"#)) ?? 0)
            }

            let window = end.time - start.time
            let video = ReceivedVideoSummary(reader.pictures, window: start.time..<end.time)
            let quality = reader.quality.filter { $0.readTime >= start.time && $0.readTime < end.time }.map { min($0.psnr, 99) }
            let firstAfterOutage = outageReturn.flatMap { back in reader.pictures.first { $0.readTime >= back }.map { $0.readTime - back } }
            let recorded = try recording.read()
            let counters = end.subtracting(start)
            let seconds = window / .seconds(1)
            let second: SecondPublisher? = if secondPublisher != nil {
                SecondPublisher(
                    sendTrace: secondSendTrace,
                    framesAtServerPerSecond: Double(try secondRecording.read().frames(since: secondRecordedStart)) / seconds,
                    framesReceivedPerSecond: secondReceivedRates.isEmpty ? 0 : secondReceivedRates.reduce(0, +) / Double(secondReceivedRates.count))
            } else { nil }
            let result = RunResult(
                scenario: scenario.name, bitrateKbps: bitrate, window: window, video: video,
                framesAtServerPerSecond: Double(recorded.frames(since: start.recordedPackets)) / (window / .seconds(1)),
                unreadable: reader.unreadable, psnr: quality.isEmpty ? nil : quality.reduce(0, +) / Double(quality.count),
                linkLossUp: counters.linkLoss(.uplink), linkLossDown: counters.linkLoss(.downlink),
                residualLoss: counters.residualVideoLoss,
                nacksDown: counters.metric(MetricName.nackedByReceivers), nacksUp: counters.metric([MetricName.uplinkRequested]),
                retransmissionsDown: counters.metric([MetricName.retransmittedFromCache]),
                retransmissionsUp: counters.metric([MetricName.uplinkRepaired]),
                plisFromViewer: counters.metric([MetricName.pliForwarded, MetricName.pliMerged]),
                plisToPublisher: counters.metric([MetricName.pliForwarded, MetricName.pliByServer]),
                keyframes: recorded.keyframes(since: start.recordedPackets),
                audioConcealment: audio, cameraLate: camera.framesLate,
                firstPictureAfterOutage: firstAfterOutage, keyframesAfterOutage: keyframesAfterOutage, limitedViewer: limitedViewer,
                sendTrace: sendTrace, latencyOutsideDrops: Self.latencyOutsideDrops(
                    reader.pictures, window: start.time..<end.time, relayStart: relayStart, profile: profile),
                pictureLatencies: scenario.adaptive
                    ? ReceivedVideoSummary.newPictures(reader.pictures, window: start.time..<end.time).map { ($0.readTime - relayStart, $0.latency) }
                    : [],
                secondPublisher: second, freezeCauses: freezeCauses, viewerRoundTripMs: viewerReport.map { Int($0.rtt) },
                viewerVideoDelayMs: viewerReport?.remote.first { $0.userId == "bench" }.map { Int($0.videoJitterBufferDelay) })
            await tearDown()
            return result
        } catch {
            if let publisherLog { log("publisher trtcd's log ends:\n\(publisherLog.logTail(1500))") }
            if let viewerLog { log("viewer trtcd's log ends:\n\(viewerLog.logTail(1500))") }
            await tearDown()
            throw error
        }
    }

    /// Glass-to-glass of the new pictures read in `window` but those in the 5 s after a capacity drop of `profile`'s
    /// schedule (times from `relayStart`); nil when the capacity never drops.
    static func latencyOutsideDrops(_ pictures: [ReceivedPicture], window: Range<Duration>, relayStart: Duration,
                                    profile: ImpairmentProfile) -> DurationPercentiles? {
        let steps = profile.capacity
        let drops = zip(steps, steps.dropFirst()).filter { $1.bitsPerSecond < $0.bitsPerSecond }.map { relayStart + $1.from }
        guard !drops.isEmpty else { return nil }
        let kept = ReceivedVideoSummary.newPictures(pictures, window: window).filter { picture in
            !drops.contains { picture.readTime >= $0 && picture.readTime < $0 + .seconds(5) }
        }
        return DurationPercentiles(kept.map(\.latency))
    }

    /// StartRemoteVideo on the viewer and a reader on its node. The node takes the size of the first picture decoded
    /// within 1.5 s, else 640×480 (pictures then scaled): when it came out another size than the camera's, the node
    /// is closed and opened again (at most three times).
    private func openRemoteVideo(_ viewer: RoomMember, scene: SyntheticScene, log: (String) -> Void) async throws -> StampedVideoReader {
        let size = "\(settings.width)x\(settings.height)"
        for attempt in 1...3 {
            let reply = try await viewer.call("StartRemoteVideo", [.string("bench"), .string("main")])
            // By serial, not by name: every viewer's node of the publisher is "trtcd.remote.bench.main", and in the
            // layers scenario the limited viewer's is in the same PipeWire (read by name, its 13 fps at 580 ms
            // glass-to-glass were taken for the unlimited viewer's, whose own Statistics said 30 fps).
            let node = try remoteNodeSerial(reply)
            let reader = try StampedVideoReader(loop: readerLoop, nodeName: node, width: settings.width, height: settings.height,
                                                fps: settings.fps, scene: scene, qualityEvery: settings.qualityEvery)
            if reader.format.contains(" \(size) ") { return reader }
            log("the viewer's node came out \(reader.format), not \(size) (attempt \(attempt)); opening it again")
            await reader.stop()
            _ = try await viewer.call("StopRemoteVideo", [.string("bench"), .string("main")])
            try await Task.sleep(for: .seconds(1))
        }
        throw BenchFailure("the viewer's video node never had the camera's size \(size)")
    }

    /// The `object.serial` of the node StartRemoteVideo answered with (its node id).
    private func remoteNodeSerial(_ reply: [DBusValue]) throws -> String {
        guard case .uint32(let id)? = reply.first else { throw BenchFailure("StartRemoteVideo answered \(reply), not a node id") }
        guard let device = try readerLoop.devices().devices.first(where: { $0.id == id }) else {
            throw BenchFailure("the viewer's node \(id) is not in PipeWire's registry")
        }
        return String(device.serial)
    }

    /// A viewer's figures of a publisher's (by default "bench") video from its `Statistics`.
    private static func remoteVideo(_ member: RoomMember, user: String = "bench") async throws
        -> (fps: Double, freezes: Int, decoderErrors: Int, kbps: Double)?
    {
        guard let remote = try await member.statistics()?["remoteArray"]?.array?.compactMap(\.stringKeyedDictionary)
            .first(where: { $0["userId"]?.string == user }) else { return nil }
        return (Double(remote["frameRate"]?.uint32 ?? 0), Int(remote["videoFreezeCount"]?.uint32 ?? 0),
                Int(remote["videoDecoderErrors"]?.uint32 ?? 0), Double(remote["videoBitrate"]?.uint32 ?? 0))
    }

    /// A publisher's send-side figures from its `Statistics`, timed from `start`.
    private static func sendSample(_ member: RoomMember, since start: Duration) async -> SendSample? {
        guard let values = try? await member.statistics(), let statistics = try? RoomStatistics(values) else { return nil }
        return SendSample(elapsed: MonotonicClock.now - start, estimateKbps: Int(statistics.sendEstimateKbps),
                          sentKbps: Int(statistics.sentKbps), videoTargetKbps: Int(statistics.local.first?.videoTargetBitrate ?? 0),
                          receiverLimitKbps: Int(statistics.receiverLimitKbps))
    }

    /// StartLocalVideo of `camera` at `bitrate` and StartLocalAudio of the test microphone.
    private func publish(_ member: RoomMember, camera: String, bitrate: Int) async throws {
        try await member.call("StartLocalVideo", [.variantDictionary([
            "camera": .string(camera), "width": .uint32(UInt32(settings.width)),
            "height": .uint32(UInt32(settings.height)), "fps": .uint32(UInt32(settings.fps)), "bitrate": .uint32(UInt32(bitrate)),
        ])])
        try await member.call("StartLocalAudio", [.variantDictionary(["microphone": .string(PipeWireTestEnvironment.microphoneName)])])
    }

    /// The viewer's audio counters for the publisher ("bench") from its `Statistics` (cumulative samples played and
    /// concealed: Opus PLC/FEC and silence while the jitter buffer ran dry; the report is renewed every 2 s). The
    /// concealment ratio of a window is the difference of the concealed over the difference of the played.
    static func audioSamples(_ statistics: [String: DBusValue]?) -> (total: UInt64, concealed: UInt64)? {
        guard let remote = statistics?["remoteArray"]?.array?.compactMap(\.stringKeyedDictionary)
            .first(where: { $0["userId"]?.string == "bench" }),
            let total = remote["audioTotalSamples"]?.uint64, let concealed = remote["audioConcealedSamples"]?.uint64
        else { return nil }
        return (total, concealed)
    }
}

/// One trtcd of a run: its private bus, the process and a D-Bus client.
private struct RoomMember {
    let bus: PrivateBus
    let daemon: DaemonProcess
    let connection: BusConnection

    static func start(_ trtcdPath: String, server: ServerProcess, pipeWire: PipeWireTestEnvironment,
                      cleanup: inout [() async -> Void]) async throws -> RoomMember {
        let bus = try await PrivateBus.start()
        cleanup.append { await bus.stop() }
        let daemon = try await DaemonProcess.start(URL(fileURLWithPath: trtcdPath), on: bus, server: server.url,
                                                   trustingTestCA: false, environment: pipeWire.exports)
        cleanup.append { await daemon.stop() }
        let connection = try await BusConnection.connect(address: bus.address)
        cleanup.append { await connection.close() }
        return RoomMember(bus: bus, daemon: daemon, connection: connection)
    }

    @discardableResult
    func call(_ member: String, _ arguments: [DBusValue] = []) async throws -> [DBusValue] {
        try await connection.call(destination: RoomBus.name, path: RoomBus.objectPath, interface: RoomBus.interface,
                                  member: member, arguments: arguments, timeout: .seconds(30))
    }

    func enter(_ userId: String, credentials: ServerCredentials) async throws {
        try await call("EnterRoom", [.variantDictionary([
            "sdkAppId": .uint32(credentials.sdkAppId), "userId": .string(userId),
            "userSig": .string(credentials.userSig(userId)), "roomId": .uint32(NetworkBenchmark.roomId),
        ])])
    }

    /// The `Statistics` property (the latest report), as a dictionary.
    func statistics() async throws -> [String: DBusValue]? {
        try await connection.call(destination: RoomBus.name, path: RoomBus.objectPath, interface: RoomBus.propertiesInterface,
                                  member: "Get", arguments: [.string(RoomBus.interface), .string("Statistics")],
                                  timeout: .seconds(10)).first?.stringKeyedDictionary
    }
}
