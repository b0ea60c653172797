import Foundation
import Synchronization
import Testing
import TrtcCodecs
import TrtcCore
import TrtcDBus
import TrtcDBusContract
import TrtcHarness
import TrtcHarnessTesting
import TrtcNetLab
import TrtcPipeWire
import TrtcRTP

/// trtcd's receive side on an impaired network (issue 12 §4): real trtcds and trtc-server, media through the seeded
/// relay (`--media-announce`), the video jitter buffer's counts read from the `Statistics` signal.
@Suite("trtcd receiving through an impairment relay: jitter buffer, NACK, PLI", .serialized)
struct ReceiveRobustnessTests {
    static let camera: [String: DBusValue] = [
        "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240), "fps": .uint32(30),
        "bitrate": .uint32(400),
    ]

    /// The latest `Statistics` entry about `user` at `client`.
    static func remoteEntry(_ client: RoomClient, about user: String) throws -> RoomStatistics.Remote {
        let statistics = try MediaStatisticsTests.latestStatistics(client)
        return try #require(statistics.remote.first { $0.userId == user }, "\(statistics)")
    }

    /// Waits for the next `Statistics` signal at `client` (one every ~2 s).
    static func nextStatistics(_ client: RoomClient) async throws {
        let seen = client.signals.count { $0.member == "Statistics" }
        try await waitUntil("a Statistics signal", timeout: .seconds(4)) { client.signals.count { $0.member == "Statistics" } > seen }
    }

    /// The `remote video closed` line trtcd logs when the node goes: its counts by name.
    static func closingCounts(_ daemon: DaemonProcess) throws -> [String: Int] {
        let line = try #require(daemon.logTail(2_000_000).split(separator: "\n").last { $0.contains("remote video closed") })
        var counts: [String: Int] = [:]
        for word in line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "[" || $0 == "]" }) {
            let parts = word.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Int(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))) {
                counts[String(parts[0])] = value
            }
        }
        return counts
    }

    @Test("5 % random and 5 % bursty loss on the way to the viewer: NACKs repair it, and the decoder never gets a frame whose reference is missing (0 decoder errors)",
          arguments: ["loss=5%,delay=15ms", "loss=5%,burst=3,delay=15ms"])
    func lossNeverReachesTheDecoder(downlink: String) async throws {
        let mediaPort = try freeLoopbackUDPPort()
        try await withImpairmentRelay(port: mediaPort, uplink: try ImpairmentProfile(parsing: "delay=15ms"),
                                      downlink: try ImpairmentProfile(parsing: downlink), seed: 31) { relay in
            try await withMediaRoom(users: 2, serverArguments: ["--media", "127.0.0.1:\(mediaPort)", "--media-announce", "127.0.0.1:\(relay.port)"]) { room in
                let (alice, bob) = (room.clients[0], room.clients[1])
                try await alice.startVideo(Self.camera)
                try await alice.enter("alice", room: .numeric(51), server: room.server)
                try await bob.enter("bob", room: .numeric(51), server: room.server)
                try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
                _ = try await bob.call("StartRemoteVideo", [.string("alice"), .string("main")])
                try await Task.sleep(for: .seconds(10))
                try await Self.nextStatistics(bob)
                let shown = try Self.remoteEntry(bob, about: "alice")
                let lost = try await relay.statistics(.downlink).dropped[.loss, default: 0]
                try await bob.call("StopRemoteVideo", [.string("alice"), .string("main")])
                let closing = try Self.closingCounts(room.daemons[1])
                for line in room.daemons[1].logTail(2_000_000).split(separator: "\n") where line.contains("key frame requested") { print(line) }
                print("""
                    \(downlink): \(lost) datagrams lost towards the viewers; bob: \(shown.frameRate) fps, \(shown.videoNacksSent) NACKs \
                    (\(shown.videoNackRequests) numbers, \(shown.videoNackRetries) repeats), \(shown.videoRetransmissionsReceived) repaired, \
                    \(shown.videoPlisSent) PLIs, \(shown.videoKeyFramesDecoded) key frames, \(shown.videoFramesMissingReference) frames dropped \
                    for a missing reference, \(shown.videoDecoderErrors) decoder errors, delay \(shown.videoJitterBufferDelay) ms, \
                    freezes \(shown.videoFreezeCount); closing: \(closing)
                    """)
                #expect(lost >= 20, "the relay lost packets on the way to the viewers")
                #expect(shown.videoNacksSent > 0 && shown.videoRetransmissionsReceived > 0, "losses were asked for and came back")
                #expect(shown.videoDecoderErrors == 0)
                #expect(closing["decoderErrors"] == 0 && closing["referenceBreaks"] == 0,
                        "no delta frame decoded after a frame that was not: \(closing)")
                #expect(shown.frameRate >= 12, "\(shown.frameRate) fps shown")
                #expect(shown.videoJitterBufferDelay >= 10 && shown.videoJitterBufferDelay <= 500)
                try await alice.exit()
                try await bob.exit()
            }
        }
    }

    @Test("a 2 s outage of everyone's link: the viewer's picture is back within 1 s of the link, with at most 3 key frames in the 5 s after")
    func aTwoSecondOutageRecoversQuickly() async throws {
        let mediaPort = try freeLoopbackUDPPort()
        try await withImpairmentRelay(port: mediaPort, uplink: try ImpairmentProfile(parsing: "delay=15ms"),
                                      downlink: try ImpairmentProfile(parsing: "delay=15ms"), seed: 32) { relay in
            try await withMediaRoom(users: 2, serverArguments: ["--media", "127.0.0.1:\(mediaPort)", "--media-announce", "127.0.0.1:\(relay.port)"]) { room in
                let (alice, bob) = (room.clients[0], room.clients[1])
                try await alice.startVideo(Self.camera)
                try await alice.enter("alice", room: .numeric(52), server: room.server)
                try await bob.enter("bob", room: .numeric(52), server: room.server)
                try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
                let reply = try await bob.call("StartRemoteVideo", [.string("alice"), .string("main")])
                #expect(reply.first?.uint32 != nil)

                // Watch bob's node as an app would: the times pictures arrive.
                let socket = try #require(room.pipeWire.exports["PIPEWIRE_RUNTIME_DIR"]) + "/pipewire-0"
                let loop = try PipeWireLoop(name: "outage-viewer", remote: socket)
                let capture = try VideoCapture(loop: loop, options: VideoCaptureOptions(camera: "trtcd.remote.alice.main", width: 320,
                                                                                      height: 240, fps: 30))
                let arrivals = Mutex<[Duration]>([])
                let watcher = Task {
                    for await event in capture.events {
                        if case .frame = event { arrivals.withLock { $0.append(MonotonicClock.now) } }
                    }
                }
                defer {
                    capture.stop()
                    watcher.cancel()
                }
                try await Task.sleep(for: .seconds(3))
                try await Self.nextStatistics(bob)
                let before = try Self.remoteEntry(bob, about: "alice")

                let outageStart = MonotonicClock.now
                try await relay.outage(for: .seconds(2))
                let linkBack = outageStart + .seconds(2)
                try await Task.sleep(for: .seconds(7.5))
                try await Self.nextStatistics(bob)
                let after = try Self.remoteEntry(bob, about: "alice")

                let times = arrivals.withLock { $0 }
                let duringOutage = times.filter { $0 > outageStart + .milliseconds(300) && $0 < linkBack }
                let firstBack = try #require(times.first { $0 >= linkBack }, "pictures again after the outage")
                let keyframes = Int(after.videoKeyFramesDecoded) - Int(before.videoKeyFramesDecoded)
                print("""
                    outage: \(duringOutage.count) pictures during it, first picture \((firstBack - linkBack) / .milliseconds(1)) ms after the \
                    link returned, \(keyframes) key frames, PLIs \(before.videoPlisSent) → \(after.videoPlisSent), NACK numbers \
                    \(before.videoNackRequests) → \(after.videoNackRequests), \(after.frameRate) fps now
                    """)
                #expect(duringOutage.isEmpty, "no new pictures while nothing arrives")
                #expect(firstBack - linkBack <= .seconds(1), "first new picture \((firstBack - linkBack) / .milliseconds(1)) ms after the link")
                #expect((1...3).contains(keyframes), "key frames from before the outage to 5 s after it: \(keyframes)")
                #expect(after.videoNackRequests - before.videoNackRequests < 20, "the outage's packets are not asked for")
                #expect(after.videoDecoderErrors == 0 && after.frameRate >= 12)
                try await alice.exit()
                try await bob.exit()
            }
        }
    }

    @Test("a packet its sender never repeats: trtcd asks for it once per round trip, ten times, then sends a PLI, and the key frame ends it")
    func failedRepairEndsInAPictureLossIndication() async throws {
        let mediaPort = try freeLoopbackUDPPort()
        try await withImpairmentRelay(port: mediaPort, uplink: try ImpairmentProfile(parsing: "delay=20ms"),
                                      downlink: try ImpairmentProfile(parsing: "delay=20ms"), seed: 33) { relay in
            // The raw member sends no heartbeats: a departure timeout long enough for it.
            try await withMediaRoom(users: 1, serverArguments: ["--media", "127.0.0.1:\(mediaPort)", "--media-announce", "127.0.0.1:\(relay.port)",
                                                                "--departure-timeout", "30"]) { room in
                let alice = room.clients[0]
                try await alice.enter("alice", room: .numeric(53), server: room.server)
                let (withheldAt, pliAt, aliceSsrc, statistics) = try await RawMediaMember.with(room, userId: "dave", roomId: 53, video: true,
                                                                                          audio: false) {
                    media, socket -> (Duration, Duration?, UInt32?, RoomStatistics) in
                    try await alice.waitFor("UserVideoAvailable") { $0 == [.string("dave"), .boolean(true)] }
                    async let shown = alice.call("StartRemoteVideo", [.string("dave"), .string("main")])
                    var configuration = VP8EncoderConfiguration(width: 160, height: 120, bitrateKbps: 300)
                    configuration.frameDropping = false
                    // One layer: every frame is referenced by the next, so the withheld packet's loss needs a key frame.
                    configuration.temporalLayers = 1
                    let encoder = try VP8Encoder(configuration: configuration)
                    var packetizer = try VP8Packetizer(ssrc: media.videoSsrc, payloadType: RTPPayloadType.vp8)
                    var withheldAt: Duration = .zero
                    var pliAt: Duration?
                    var keyframeWanted = true
                    var viewer: UInt32?
                    for index in 0..<90 {  // 3 s at 30 fps
                        let frames = try encoder.encode(try I420Frame(width: 160, height: 120, luma: UInt8(40 + index % 100)),
                                                        forceKeyframe: keyframeWanted)
                        keyframeWanted = false
                        for frame in frames {
                            for (number, packet) in packetizer.packetize(frame).enumerated() {
                                // Frame 45's first packet never leaves, and is never sent again.
                                if index == 45 && number == 0 {
                                    withheldAt = MonotonicClock.now
                                    continue
                                }
                                socket.send(packet.serialized())
                            }
                        }
                        // Only a viewer's PLI brings a key frame (the server's own, from SSRC 0, is ignored here).
                        for datagram in socket.receive(timeoutMs: 33) where RTCPPacket.isRTCP(datagram) {
                            for case .pictureLossIndication(let pli) in (try? RTCPPacket.parseCompound(datagram)) ?? []
                            where pli.mediaSSRC == media.videoSsrc && pli.senderSSRC != 0 {
                                keyframeWanted = true
                                viewer = pli.senderSSRC
                                if index > 45 && pliAt == nil { pliAt = MonotonicClock.now }
                            }
                        }
                    }
                    _ = try await shown
                    // Read while dave is still in the room.
                    try await Self.nextStatistics(alice)
                    return (withheldAt, pliAt, viewer, try MediaStatisticsTests.latestStatistics(alice))
                }
                #expect(aliceSsrc != nil, "alice asked dave for key frames")
                let shown = try #require(statistics.remote.first { $0.userId == "dave" }, "\(statistics)")
                let pli = try #require(pliAt, "a PLI from alice reached dave after the withheld packet")
                let waited = pli - withheldAt
                let roundTrip = Duration.milliseconds(Int(statistics.rtt))
                print("""
                    failed repair: rtt \(statistics.rtt) ms, \(shown.videoNackRequests) numbers asked for (\(shown.videoNackRetries) repeats), \
                    PLI \(waited / .milliseconds(1)) ms after the withheld packet, \(shown.videoPlisSent) PLIs, \(shown.videoKeyFramesDecoded) key \
                    frames, \(shown.videoFramesMissingReference) frames dropped for a missing reference, \(shown.videoDecoderErrors) decoder errors
                    """)
                #expect(shown.videoNackRequests >= 10 && shown.videoNackRetries >= 9, "ten requests for the withheld packet")
                #expect(shown.videoPlisSent >= 2, "the first key frame, then the failed repair")
                #expect(waited >= roundTrip * 8, "asked again per round trip before giving up: \(waited) vs rtt \(roundTrip)")
                #expect(waited <= .milliseconds(1600), "then the PLI: \(waited)")
                #expect(shown.videoFramesMissingReference > 0 && shown.videoDecoderErrors == 0)
                #expect(shown.videoKeyFramesDecoded >= 2, "the key frame after the PLI was shown")
                try await alice.exit()
            }
        }
    }

    @Test("audio through 5 % loss and 20 ms of jitter: the playout delay grows above its 40 ms floor, in-band FEC rebuilds lost packets (concealment not counting them), and once the link is clean nothing more is concealed and the delay comes down")
    func audioFollowsTheJitter() async throws {
        let mediaPort = try freeLoopbackUDPPort()
        try await withImpairmentRelay(port: mediaPort, uplink: try ImpairmentProfile(parsing: "delay=20ms"),
                                      downlink: try ImpairmentProfile(parsing: "loss=5%,delay=20ms,jitter=20ms"), seed: 34) { relay in
            try await withMediaRoom(users: 2, serverArguments: ["--media", "127.0.0.1:\(mediaPort)", "--media-announce", "127.0.0.1:\(relay.port)"]) { room in
                let (alice, bob) = (room.clients[0], room.clients[1])
                try await alice.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName), "bitrate": .uint32(32)])
                try await alice.enter("alice", room: .numeric(54), server: room.server)
                try await bob.enter("bob", room: .numeric(54), server: room.server)
                try await bob.waitFor("UserAudioAvailable") { $0 == [.string("alice"), .boolean(true)] }
                try await Task.sleep(for: .seconds(10))
                try await Self.nextStatistics(bob)
                let jittery = try Self.remoteEntry(bob, about: "alice")
                // Audio packets only: the downlink also carries the server's transport feedback to alice (issue 14).
                let lost = try await relay.deliveredRTP(.downlink).filter { $0.stream.payloadType == 111 }.map(\.stream.missing).reduce(0, +)

                try await relay.update(.downlink, try ImpairmentProfile(parsing: "delay=20ms"))
                try await Task.sleep(for: .seconds(9))
                try await Self.nextStatistics(bob)
                let calm = try Self.remoteEntry(bob, about: "alice")
                let ratio = Double(jittery.audioConcealedSamples) / Double(max(1, jittery.audioTotalSamples))
                let calmTotal = calm.audioTotalSamples - jittery.audioTotalSamples
                let calmConcealed = calm.audioConcealedSamples - jittery.audioConcealedSamples
                print("""
                    audio: \(lost) datagrams lost; jittery: \(jittery.audioTotalSamples) samples, \(jittery.audioConcealedSamples) concealed \
                    (\((ratio * 1000).rounded() / 10) %, \(jittery.audioFecSamples) from FEC), delay \(jittery.audioJitterBufferDelay) ms; \
                    clean: \(calmTotal) samples, \(calmConcealed) concealed, delay \(calm.audioJitterBufferDelay) ms
                    """)
                #expect(lost >= 10)
                #expect(jittery.audioTotalSamples > 8 * 48_000, "bob played alice")
                // Lost packets come back from the next one's FEC (not when that one is lost or late too, or when the
                // buffer had to play before it arrived: 12 of 29 in one run at load 20, 7 of 32 in a CI run; so at
                // least an eighth, which a receiver that never decodes FEC cannot reach), and that is decoded audio, not concealment: concealed stays under the 5 % lost
                // plus what a starved machine adds (4.3 and 5.2 % in two runs; 6.7 and 8.1 % had FEC counted as concealed).
                #expect(jittery.audioFecSamples >= UInt64(lost) * 960 / 8, "\(jittery.audioFecSamples) samples from FEC for \(lost) lost")
                #expect(ratio < 0.065, "concealed \(ratio)")
                #expect(jittery.audioJitterBufferDelay > 40, "the delay grew with the jitter: \(jittery.audioJitterBufferDelay) ms")
                #expect(calmTotal > 7 * 48_000)
                // Nothing is lost or late on the link; what a starved test machine delays still runs the buffer dry.
                #expect(Double(calmConcealed) < Double(calmTotal) * 0.03, "nothing lost, nothing late: \(calmConcealed) of \(calmTotal)")
                #expect(calm.audioJitterBufferDelay < jittery.audioJitterBufferDelay, "the delay came down")
                try await alice.exit()
                try await bob.exit()
            }
        }
    }
}
