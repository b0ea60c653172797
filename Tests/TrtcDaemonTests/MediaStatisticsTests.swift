import Foundation
import Testing
import TrtcCodecs
import TrtcCore
import TrtcDBus
import TrtcDBusContract
import TrtcHarness
import TrtcHarnessTesting
import TrtcRTP

@Suite("trtcd statistics: Statistics and NetworkQuality every 2 s in a room, receiver reports every second", .serialized)
struct MediaStatisticsTests {
    static let camera: [String: DBusValue] = [
        "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240), "fps": .uint32(15),
        "bitrate": .uint32(300),
    ]

    /// Arrival times (monotonic) of `member` signals at `client`, sampled every 10 ms for `duration`.
    static func arrivals(of member: String, at client: RoomClient, for duration: Duration) async throws -> [Duration] {
        var times: [Duration] = []
        var seen = client.signals.count { $0.member == member }
        let end = MonotonicClock.now + duration
        while MonotonicClock.now < end {
            let count = client.signals.count { $0.member == member }
            if count > seen { times += Array(repeating: MonotonicClock.now, count: count - seen) }
            seen = count
            try await Task.sleep(for: .milliseconds(10))
        }
        return times
    }

    static func latestStatistics(_ client: RoomClient) throws -> RoomStatistics {
        let signal = try #require(client.signals.last { $0.member == "Statistics" })
        guard case .statistics(let statistics)? = RoomSignal(member: signal.member, arguments: signal.arguments) else {
            throw TestFailure("Statistics signal that does not read back: \(signal)")
        }
        return statistics
    }

    static func latestQuality(_ client: RoomClient) throws -> (local: NetworkQuality, remote: [String: NetworkQuality]) {
        let signal = try #require(client.signals.last { $0.member == "NetworkQuality" })
        guard case .networkQuality(let local, let remote)? = RoomSignal(member: signal.member, arguments: signal.arguments) else {
            throw TestFailure("NetworkQuality signal that does not read back: \(signal)")
        }
        return (local, remote)
    }

    @Test("two trtcds publishing the test camera and microphone, each showing the other: plausible statistics every ~2 s, quality 1–2 on loopback, the property holds the latest, nothing after ExitRoom")
    func statisticsInARoom() async throws {
        try await withMediaRoom(users: 2) { room in
            let (alice, bob) = (room.clients[0], room.clients[1])
            for client in [alice, bob] {
                try await client.startVideo(Self.camera)
                try await client.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName), "bitrate": .uint32(24)])
            }
            #expect(try await alice.property("Statistics") == .variantDictionary([:]), "nothing before entering")
            try await alice.enter("alice", room: .numeric(31), server: room.server)
            try await bob.enter("bob", room: .numeric(31), server: room.server)
            try await alice.waitFor("UserVideoAvailable") { $0 == [.string("bob"), .boolean(true)] }
            try await bob.waitFor("UserVideoAvailable") { $0 == [.string("alice"), .boolean(true)] }
            _ = try await alice.call("StartRemoteVideo", [.string("bob"), .string("main")])
            _ = try await bob.call("StartRemoteVideo", [.string("alice"), .string("main")])

            // Let media settle (the first interval may still include the handshake), then watch for 7 s.
            try await Task.sleep(for: .seconds(3))
            let times = try await Self.arrivals(of: "Statistics", at: alice, for: .seconds(7))
            let gaps = zip(times.dropFirst(), times).map { ($0 - $1) / .milliseconds(1) }
            #expect((3...4).contains(times.count), "every ~2 s: \(times.count) in 7 s")
            #expect(gaps.allSatisfy { (1500.0...2600.0).contains($0) }, "gaps \(gaps) ms")

            for (client, me, other) in [(alice, "alice", "bob"), (bob, "bob", "alice")] {
                let statistics = try Self.latestStatistics(client)
                #expect(statistics.rtt > 0 && statistics.rtt < 50, "\(me): rtt \(statistics.rtt) ms on loopback")
                #expect(statistics.sentKbps > 50 && statistics.receivedKbps > 50, "\(me): \(statistics)")
                #expect(statistics.sentBytes > 50_000 && statistics.receivedBytes > 50_000)
                #expect(statistics.upLoss <= 5 && statistics.downLoss <= 5, "\(me): loopback loses (almost) nothing")
                #expect(statistics.appCpu != nil && statistics.systemCpu != nil)
                let local = try #require(statistics.local.first, "\(me): no local stream")
                #expect(local.streamType == "main" && local.width == 320 && local.height == 240, "\(me): \(local)")
                #expect((5...20).contains(local.frameRate), "\(me): sending \(local.frameRate) fps of 15")
                #expect(local.videoBitrate > 30 && local.audioSampleRate == 48_000 && local.audioBitrate > 5, "\(me): \(local)")
                let remote = try #require(statistics.remote.first { $0.userId == other }, "\(me): no entry for \(other)")
                #expect(remote.width == 320 && remote.height == 240, "\(me) shows \(other) at what is sent: \(remote)")
                #expect((5...20).contains(remote.frameRate), "\(me): \(other)'s \(remote.frameRate) fps")
                #expect(remote.videoBitrate > 30 && remote.audioBitrate > 5 && remote.audioSampleRate == 48_000, "\(me): \(remote)")
                #expect(remote.finalLoss <= 5)

                let quality = try Self.latestQuality(client)
                #expect((1...2).contains(quality.local.rawValue), "\(me): local quality \(quality.local)")
                #expect(quality.remote.keys.sorted() == [other])
                #expect((1...2).contains(quality.remote[other]?.rawValue ?? 0), "\(me): \(other)'s quality \(quality.remote)")

                // The property is the last signal's value (it may have been renewed since the signal was read).
                let property = try await client.property("Statistics")
                let held = try RoomStatistics(try #require(property.stringKeyedDictionary))
                #expect(held.rtt > 0 && held.local.first?.width == 320, "\(me): property \(held)")
            }
            // The property changes quietly: no PropertiesChanged carries it.
            let announced = alice.signals.filter { $0.member == "PropertiesChanged" }
                .compactMap { $0.arguments.count > 1 ? $0.arguments[1].stringKeyedDictionary : nil }
            #expect(announced.allSatisfy { $0["Statistics"] == nil })

            try await alice.exit()
            let after = alice.signals.count
            #expect(try await alice.property("Statistics") == .variantDictionary([:]), "cleared on exit")
            try await Task.sleep(for: .seconds(3))
            #expect(!alice.signals.dropFirst(after).contains { $0.member == "Statistics" || $0.member == "NetworkQuality" })
            try await bob.exit()
        }
    }

    @Test("a member's video pausing 700 ms between 30 fps runs: the shown stream reports a freeze of about that long")
    func freezeOfAShownStream() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.enter("alice", room: .numeric(34), server: room.server)
            // The raw member sends no heartbeats: all of this fits in the server's 5 s departure timeout.
            let statistics = try await RawMediaMember.with(room, userId: "dave", roomId: 34, video: true, audio: false) { media, socket in
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("dave"), .boolean(true)] }
                // Shown from the start: StartRemoteVideo returns at the first picture, sent meanwhile.
                async let shown = alice.call("StartRemoteVideo", [.string("dave"), .string("main")])
                var configuration = VP8EncoderConfiguration(width: 160, height: 120, bitrateKbps: 300)
                configuration.frameDropping = false
                let encoder = try VP8Encoder(configuration: configuration)
                var packetizer = try VP8Packetizer(ssrc: media.videoSsrc, payloadType: RTPPayloadType.vp8)
                for index in 0..<36 {
                    // Key frames now and then at first, since the receiver may open after the first one.
                    let frames = try encoder.encode(try I420Frame(width: 160, height: 120, luma: UInt8(40 + index)),
                                                    forceKeyframe: index < 12 && index % 4 == 0)
                    for frame in frames {
                        for packet in packetizer.packetize(frame) { socket.send(packet.serialized()) }
                    }
                    try await Task.sleep(for: index == 17 ? .milliseconds(700) : .milliseconds(33))
                }
                _ = try await shown
                // The next Statistics has the count; read it before dave is gone.
                let sent = alice.signals.count { $0.member == "Statistics" }
                try await waitUntil("a Statistics after the last picture", timeout: .seconds(3)) {
                    alice.signals.count { $0.member == "Statistics" } > sent
                }
                return try Self.latestStatistics(alice)
            }
            let dave = try #require(statistics.remote.first { $0.userId == "dave" }, "\(statistics)")
            #expect(dave.width == 160 && dave.height == 120, "\(dave)")
            #expect(dave.videoFreezeCount >= 1, "\(dave)")
            #expect(dave.videoTotalBlockTime >= 650, "the pause counts as frozen time: \(dave)")
            #expect(dave.videoBlockRate > 0 && dave.videoBlockRate < 100, "\(dave)")
            try await alice.exit()
        }
    }

    @Test("a receiver reporting 20 % loss of our audio: upLoss 20, local quality very bad (5), and Opus is told 20 %")
    func reportedLossReachesStatisticsAndOpus() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName)])
            try await alice.enter("alice", room: .numeric(33), server: room.server)
            try await RawMediaMember.with(room, userId: "carol", roomId: 33, video: false, audio: false) { media, socket in
                var aliceAudio: UInt32?
                let end = MonotonicClock.now + .seconds(7)
                var nextReport = MonotonicClock.now
                while MonotonicClock.now < end {
                    for datagram in socket.receive(timeoutMs: 50) where !RTCPPacket.isRTCP(datagram) {
                        if let packet = try? RTPPacket(parsing: datagram), packet.payloadType == RTPPayloadType.opus { aliceAudio = packet.ssrc }
                    }
                    // 51/256 lost (20 %), as a receiver of alice's audio would report it, twice a second.
                    if let aliceAudio, MonotonicClock.now >= nextReport {
                        nextReport = MonotonicClock.now + .milliseconds(500)
                        let report = try RTCPReceiverReport(ssrc: media.videoSsrc, reportBlocks: [
                            RTCPReportBlock(ssrc: aliceAudio, fractionLost: 51, cumulativeLost: 100, extendedHighestSequenceNumber: 500),
                        ])
                        socket.send(report.serialized())
                    }
                }
                #expect(aliceAudio != nil, "carol received alice's audio")
            }
            let statistics = try Self.latestStatistics(alice)
            #expect(statistics.upLoss == 20, "\(statistics)")
            #expect(try Self.latestQuality(alice).local == .veryBad)
            let log = room.daemons[0].logTail(1_000_000)
            #expect(log.split(separator: "\n").contains { $0.contains("opus expected loss") && $0.contains("percent=20") },
                    "no 'opus expected loss' 20 % in trtcd's log")
            try await alice.exit()
        }
    }

    @Test("receiver reports come every second for video; audio blocks ride on every fifth")
    func receiverReportInterval() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.enter("alice", room: .numeric(32), server: room.server)
            let reports = try await RawMediaMember.with(room, userId: "carol", roomId: 32, video: true, audio: true) {
                media, socket -> [(time: Duration, video: Bool, audio: Bool)] in
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("carol"), .boolean(true)] }
                var found: [(time: Duration, video: Bool, audio: Bool)] = []
                let end = MonotonicClock.now + .seconds(6.5)
                var sequence: UInt16 = 0
                while MonotonicClock.now < end {
                    for ssrc in [media.videoSsrc, media.audioSsrc] {
                        let payloadType = ssrc == media.videoSsrc ? RTPPayloadType.vp8 : RTPPayloadType.opus
                        let packet = try RTPPacket(payloadType: payloadType, sequenceNumber: sequence, timestamp: UInt32(sequence) * 960,
                                                   ssrc: ssrc, payload: [0x10, 0x00, 0x00])
                        socket.send(packet.serialized())
                    }
                    sequence &+= 1
                    for datagram in socket.receive(timeoutMs: 20) where RTCPPacket.isRTCP(datagram) {
                        for case .receiverReport(let report) in (try? RTCPPacket.parseCompound(datagram)) ?? [] {
                            let ssrcs = Set(report.reportBlocks.map(\.ssrc))
                            found.append((MonotonicClock.now, ssrcs.contains(media.videoSsrc), ssrcs.contains(media.audioSsrc)))
                        }
                    }
                }
                return found
            }
            let video = reports.filter(\.video).map(\.time)
            let gaps = zip(video.dropFirst(), video).map { ($0 - $1) / .milliseconds(1) }
            #expect(video.count >= 5, "\(video.count) reports about carol's video in 6.5 s")
            #expect(gaps.allSatisfy { (700.0...1400.0).contains($0) }, "gaps \(gaps) ms")
            let audio = reports.filter(\.audio).count
            #expect((1...2).contains(audio), "\(audio) of \(reports.count) reports carry carol's audio")
            try await alice.exit()
        }
    }
}
