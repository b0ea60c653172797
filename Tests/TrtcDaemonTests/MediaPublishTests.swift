import Foundation
import Testing
import TrtcCore
import TrtcDBus
import TrtcCodecs
import TrtcHarness
import TrtcRTP

@Suite("trtcd media: capture from PipeWire, publish to a real trtc-server, decode what it recorded", .serialized)
struct MediaPublishTests {
    @Test("camera and microphone opened before entering are published; the others see availability; the recording decodes")
    func publishAndDecode() async throws {
        try await withMediaRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            try await bob.enter("bob", room: .numeric(9), server: room.server)
            try await alice.startVideo([
                "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240), "fps": .uint32(15),
                "bitrate": .uint32(300),
            ])
            try await alice.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName), "bitrate": .uint32(24)])
            #expect(try await alice.property("LocalVideo") == .boolean(true))
            #expect(try await alice.property("LocalAudio") == .boolean(true))

            try await alice.enter("alice", room: .numeric(9), server: room.server)
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
            try await bob.waitFor("UserAudioAvailable") { $0 == [.string("alice"), .boolean(true)] }

            // Media arrives: enough VP8 frames and Opus packets recorded by the server.
            try await room.waitForRecording("15 VP8 frames and 40 Opus packets of alice") { room in
                try (room.recorded(user: "alice", payloadType: RTPPayloadType.vp8)?.packets.filter(\.marker).count ?? 0) >= 15
                    && room.recordedCount(user: "alice", payloadType: RTPPayloadType.opus) >= 40
            }
            #expect((try await room.metric("trtc_media_packets_total{direction=\"in\"}") ?? 0) > 50)

            // Mute keeps the device open but stops sending; the others see it.
            bob.clear()
            try await alice.call("MuteLocalAudio", [.boolean(true)])
            try await bob.waitFor("UserAudioAvailable") { $0 == [.string("alice"), .boolean(false)] }
            #expect(try await alice.property("LocalAudio") == .boolean(true))
            try await alice.call("MuteLocalAudio", [.boolean(false)])
            try await bob.waitFor("UserAudioAvailable") { $0 == [.string("alice"), .boolean(true)] }

            // StopLocalVideo: closed and unpublished.
            try await alice.call("StopLocalVideo")
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(false)] }
            #expect(try await alice.property("LocalVideo") == .boolean(false))
            // RTP only ever flowed while the server counted us as publishing.
            #expect(try await room.metric("trtc_media_dropped_total{reason=\"not-publishing\"}") == 0)
            #expect(try await room.metric("trtc_media_dropped_total{reason=\"bad-ssrc\"}") == 0)

            try await alice.exit()
            let residue = try room.pipeWire.residue()
            #expect(residue.isEmpty, "\(residue)")
            try await room.flushRecorder()  // the recorder appends off the forwarding path

            // VP8: every frame decodes with our decoder, at the size asked for.
            let video = try #require(try room.recorded(user: "alice", payloadType: RTPPayloadType.vp8))
            var depacketizer = VP8Depacketizer()
            let decoder = try VP8Decoder()
            var decoded: [I420Frame] = []
            var firstIsKeyframe: Bool?
            for packet in video.packets {
                for frame in try depacketizer.insert(packet) {
                    if firstIsKeyframe == nil { firstIsKeyframe = frame.isKeyframe }
                    if let picture = try decoder.decode(frame.data) { decoded.append(picture) }
                }
            }
            #expect(firstIsKeyframe == true)
            #expect(decoded.count >= 15, "decoded \(decoded.count) VP8 frames")
            #expect(decoded.allSatisfy { $0.width == 320 && $0.height == 240 })
            #expect(Set(video.packets.map(\.ssrc)).count == 1)

            // Opus: the test tone's frequency comes back out.
            let audio = try #require(try room.recorded(user: "alice", payloadType: RTPPayloadType.opus))
            let opus = try OpusDecoder()
            var samples: [Float] = []
            for packet in audio.packets { samples += try opus.decode(packet.payload) }
            #expect(samples.count >= 48_000 / 2, "only \(samples.count) samples")
            let frequency = Self.dominantFrequency(Array(samples.suffix(9600)), sampleRate: 48_000)
            #expect(abs(frequency - PipeWireTestEnvironment.microphoneFrequency) <= 10, "dominant frequency \(frequency) Hz")

            // An independent decoder plays the recording.
            let raw = room.recordDirectory.appendingPathComponent("gst.i420")
            let gst = try await CommandRun.run("gst-launch-1.0", [
                "-q", "filesrc", "location=\(video.file.path)", "!",
                "application/x-rtp-stream,media=video,clock-rate=90000,encoding-name=VP8,payload=\(RTPPayloadType.vp8)", "!",
                "rtpstreamdepay", "!", "rtpvp8depay", "!", "vp8dec", "!", "video/x-raw,format=I420", "!",
                "filesink", "location=\(raw.path)",
            ])
            #expect(gst.status == 0, "gst-launch: \(gst.stderr)")
            let size = (try? FileManager.default.attributesOfItem(atPath: raw.path)[.size] as? Int) ?? 0
            let frameSize = 320 * 240 * 3 / 2
            #expect(size >= 10 * frameSize && size % frameSize == 0, "GStreamer decoded \(size) bytes")
        }
    }

    @Test("live scene: an anchor switching to audience stops publishing (device stays open) and resumes as anchor")
    func switchRole() async throws {
        try await withMediaRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            let live: [String: DBusValue] = ["scene": .string("live")]
            try await bob.enter("bob", room: .numeric(14), server: room.server, extra: live.merging(["role": .string("audience")]) { $1 })
            try await alice.startVideo(["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120)])
            try await alice.enter("alice", room: .numeric(14), server: room.server, extra: live)
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
            try await MediaReconnectTests.waitForFrames(room, user: "alice", count: 3)

            bob.clear()
            try await alice.call("SwitchRole", [.string("audience")])
            try await bob.waitFor("RemoteUserLeaveRoom") { $0 == [.string("alice"), .int32(3)] }
            #expect(try await alice.property("LocalVideo") == .boolean(true))
            let failure = await alice.failure("StartLocalAudio", [.variantDictionary([:])])
            #expect(failure?.name == "org.trtcd.Trtc1.Error.NotPermitted")
            // Exact counts: everything sent before the switch is on disk before the first read; the window between
            // the reads is an observation period (six frame intervals at 10 fps), read as exactly at its end.
            try await room.flushRecorder()
            let framesAsAudience = try room.recordedCount(user: "alice", payloadType: RTPPayloadType.vp8)
            try await Task.sleep(for: .milliseconds(600))
            try await room.flushRecorder()
            #expect(try room.recordedCount(user: "alice", payloadType: RTPPayloadType.vp8) == framesAsAudience)

            try await alice.call("SwitchRole", [.string("anchor")])
            try await bob.waitFor("RemoteUserEnterRoom") { $0 == [.string("alice")] }
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
            try await room.waitForRecording("alice's video again as anchor") { room in
                try room.recordedCount(user: "alice", payloadType: RTPPayloadType.vp8) > framesAsAudience
            }
            #expect(try await room.metric("trtc_media_dropped_total{reason=\"not-publishing\"}") == 0)
        }
    }

    /// The SRTP context of a media connection refuses an RTP index it has already passed (RFC 3711 §3.3.2): a camera
    /// or microphone started again must continue the stream's numbering, or (with a random new start, behind the old
    /// one half the time) nothing it sends leaves trtcd. Four restarts of each: without the fix all four get through
    /// about one time in sixteen.
    @Test("the camera and the microphone stopped and started again are published again, every time")
    func publishAgainAfterStop() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            let camera: [String: DBusValue] = ["camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(160), "height": .uint32(120)]
            try await alice.startVideo(camera)
            try await alice.startAudio()
            try await alice.enter("alice", room: .numeric(16), server: room.server)
            try await MediaReconnectTests.waitForFrames(room, user: "alice", count: 3)
            for round in 1...4 {
                try await alice.call("StopLocalVideo")
                try await alice.call("StopLocalAudio")
                try await room.flushRecorder()
                let video = try room.recordedCount(user: "alice", payloadType: RTPPayloadType.vp8)
                let audio = try room.recordedCount(user: "alice", payloadType: RTPPayloadType.opus)
                try await alice.startVideo(camera.merging(["width": .uint32(round % 2 == 0 ? 160 : 320),
                                                          "height": .uint32(round % 2 == 0 ? 120 : 240)]) { $1 })
                try await alice.startAudio()
                try await room.waitForRecording("alice's camera and microphone after restart \(round)") { room in
                    try room.recordedCount(user: "alice", payloadType: RTPPayloadType.vp8) >= video + 10
                        && room.recordedCount(user: "alice", payloadType: RTPPayloadType.opus) >= audio + 25
                }
            }
            #expect(try await room.metric("trtc_media_dropped_total{reason=\"srtp-replay\"}") ?? 0 == 0)
        }
    }

    /// The strongest frequency between 100 Hz and 2 kHz, in 5 Hz steps (a plain DFT at each candidate).
    static func dominantFrequency(_ samples: [Float], sampleRate: Double) -> Double {
        var best = (frequency: 0.0, power: -1.0)
        for step in 20...400 {
            let frequency = Double(step) * 5
            var (re, im) = (0.0, 0.0)
            let omega = 2 * Double.pi * frequency / sampleRate
            for (index, sample) in samples.enumerated() {
                re += Double(sample) * cos(omega * Double(index))
                im -= Double(sample) * sin(omega * Double(index))
            }
            let power = re * re + im * im
            if power > best.power { best = (frequency, power) }
        }
        return best.frequency
    }
}
