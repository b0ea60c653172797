import Testing
import TrtcRTP
import TrtcDBusContract
@testable import TrtcDaemon

/// The statistics logic without processes: freeze counting, the meter's differences, Opus's loss levels.
@Suite("Statistics: freezes, rates, losses and quality from counters")
struct StatisticsTests {
    static let frame30: Duration = .microseconds(33_333)

    // MARK: freezes (WebRTC's freezeCount)

    @Test("steady 30 fps never freezes; a 300 ms gap is one freeze; a 150 ms gap is not (below average + 150 ms)")
    func freezeDefinition() {
        var counter = VideoFreezeCounter()
        var time: Duration = .seconds(10)
        for _ in 0..<60 {
            counter.rendered(at: time)
            time += Self.frame30
        }
        #expect(counter.freezes == 0 && counter.pictures == 60)

        time += .milliseconds(150) - Self.frame30  // a 150 ms gap: < max(3 × ~37 ms, ~37 + 150 ms)
        counter.rendered(at: time)
        #expect(counter.freezes == 0)
        for _ in 0..<30 {
            time += Self.frame30
            counter.rendered(at: time)
        }
        time += .milliseconds(300)
        counter.rendered(at: time)
        #expect(counter.freezes == 1)
        #expect(counter.frozenTime == .milliseconds(300))
    }

    @Test("at a low frame rate the rule is 3 × the average gap: 5 fps tolerates 500 ms, not 900 ms")
    func freezeAtLowFrameRate() {
        var counter = VideoFreezeCounter()
        var time: Duration = .zero
        for _ in 0..<20 {
            counter.rendered(at: time)
            time += .milliseconds(200)
        }
        time += .milliseconds(300)  // a 500 ms gap: the average with it is ~214 ms, 3× that is ~643 ms
        counter.rendered(at: time)
        #expect(counter.freezes == 0)
        time += .milliseconds(900)
        counter.rendered(at: time)
        #expect(counter.freezes == 1)
    }

    @Test("no freeze before 5 gaps are known, however long the gap")
    func freezeNeedsHistory() {
        var counter = VideoFreezeCounter()
        for time in [0, 33, 66, 99] { counter.rendered(at: .milliseconds(time)) }
        counter.rendered(at: .seconds(5))  // the 4th gap
        #expect(counter.freezes == 0)

        var longer = VideoFreezeCounter()
        for time in [0, 33, 66, 99, 132] { longer.rendered(at: .milliseconds(time)) }
        longer.rendered(at: .seconds(5) + .milliseconds(132))  // the 5th gap: counted
        #expect(longer.freezes == 1)
    }

    // MARK: Opus

    @Test("Opus is told 0, 1, 5, 10 or 20 % (libwebrtc's levels)", arguments: [
        (0, 0), (1, 1), (4, 1), (5, 5), (9, 5), (10, 10), (19, 10), (20, 20), (60, 20),
    ])
    func opusLossLevels(measured: Int, told: Int) {
        #expect(OpusLossPolicy.encoderPercent(measured: measured) == told)
    }

    // MARK: video's room for repairs

    @Test("video leaves twice the uplink loss for repairs, from 2 % and at most 25 %, under the ceiling too")
    func videoLeavesRoomForRepairs() {
        func video(estimateKbps: Int, lossPercent: Int) -> Int {
            SendBitrateAllocation(estimateBitsPerSecond: estimateKbps * 1000, requestedVideoKbps: 650, requestedAudioKbps: 40,
                                  uplinkLossPercent: lossPercent).videoKbps
        }
        #expect(video(estimateKbps: 2000, lossPercent: 0) == 650)
        #expect(video(estimateKbps: 2000, lossPercent: 1) == 650, "rare repairs: nothing set aside")
        #expect(video(estimateKbps: 2000, lossPercent: 5) == 585)
        #expect(video(estimateKbps: 2000, lossPercent: 10) == 520)
        #expect(video(estimateKbps: 2000, lossPercent: 40) == 488, "at most a quarter")
        // Below the ceiling the estimate's share shrinks alike: (500 − 40 − 24) × 0.92 × 0.8.
        #expect(video(estimateKbps: 500, lossPercent: 10) == 320)
        #expect(video(estimateKbps: 50, lossPercent: 10) == SendBitrateAllocation.minimumVideoKbps)
    }

    @Test("the receivers' limit (REMB) holds video below it by the packet overhead, never above the estimate's share, never below the minimum")
    func videoStaysUnderTheReceiversLimit() {
        func video(estimateKbps: Int, limitKbps: Int?) -> Int {
            SendBitrateAllocation(estimateBitsPerSecond: estimateKbps * 1000, requestedVideoKbps: 800, requestedAudioKbps: 40,
                                  receiverLimitKbps: limitKbps).videoKbps
        }
        #expect(video(estimateKbps: 2000, limitKbps: nil) == 800)
        #expect(video(estimateKbps: 2000, limitKbps: 250) == 230, "250 × 0.92")
        #expect(video(estimateKbps: 300, limitKbps: 1000) == video(estimateKbps: 300, limitKbps: nil), "the estimate rules below it")
        #expect(video(estimateKbps: 2000, limitKbps: 5) == SendBitrateAllocation.minimumVideoKbps)
    }

    // MARK: the meter

    static func transport(generation: AnyObject, bytesSent: Int, bytesReceived: Int, taken: Duration,
                          sources: [UInt32: ReceptionLedger.SourceCounters], reported: [UInt8] = [],
                          serverReported: UInt8? = nil,
                          roundTrip: Duration? = .microseconds(400), bound: Bool = true) -> MediaCounters.Transport {
        var reception = MediaTransport.ReceptionSnapshot()
        reception.taken = taken
        reception.sources = sources
        for (index, fraction) in reported.enumerated() {
            reception.reportedLoss[.init(reporter: UInt32(100 + index), ssrc: 1)] = (fraction, taken)
        }
        if let serverReported {
            reception.reportedLoss[.init(reporter: ServerFeedbackSSRC.value, ssrc: 1)] = (serverReported, taken)
        }
        return MediaCounters.Transport(generation: ObjectIdentifier(generation), bound: bound, roundTrip: roundTrip,
                                       bytesSent: bytesSent, bytesReceived: bytesReceived, sendEstimate: 0, reception: reception)
    }

    static func counters(at seconds: Int, transport: MediaCounters.Transport?, framesSent: Int = 0, videoBytes: Int = 0,
                         freezes: VideoFreezeCounter? = nil) -> MediaCounters {
        var counters = MediaCounters(time: .seconds(seconds), processCPU: .milliseconds(100 * seconds),
                                     systemCPU: SystemCPUTimes(busy: UInt64(50 * seconds), total: UInt64(200 * seconds)),
                                     onlineCores: 2, transport: transport)
        var video = PublisherStatistics()
        video.framesSent = framesSent
        video.bytesSent = videoBytes
        video.width = 320
        video.height = 240
        counters.video = video
        counters.sendingVideo = true
        counters.remoteVideoSsrcs = ["bob": 7]
        counters.remoteAudioSsrcs = ["bob": 8]
        var shown = RemoteVideoStatistics(width: 640, height: 360)
        if let freezes { shown.freezes = freezes }
        counters.remoteVideo = ["bob": shown]
        return counters
    }

    static func source(video: Bool, expected: UInt32, received: UInt32, bytes: Int) -> ReceptionLedger.SourceCounters {
        .init(isVideo: video, packetsExpected: expected, packetsReceived: received, bytesReceived: bytes)
    }

    @Test("rates, losses, rtt and quality are the differences over the interval")
    func meterDifferences() {
        final class Generation {}
        let generation = Generation()
        var meter = StatisticsMeter()
        var freezes = VideoFreezeCounter()
        for index in 0..<10 { freezes.rendered(at: Self.frame30 * index) }
        meter.prime(Self.counters(at: 10, transport: Self.transport(
            generation: generation, bytesSent: 1_000, bytesReceived: 2_000, taken: .seconds(10),
            sources: [7: Self.source(video: true, expected: 100, received: 100, bytes: 50_000),
                      8: Self.source(video: false, expected: 50, received: 50, bytes: 5_000)]),
            framesSent: 100, videoBytes: 40_000, freezes: freezes))
        for index in 10..<70 { freezes.rendered(at: Self.frame30 * index) }
        let report = meter.report(Self.counters(at: 12, transport: Self.transport(
            generation: generation, bytesSent: 251_000, bytesReceived: 202_000, taken: .seconds(12),
            sources: [7: Self.source(video: true, expected: 300, received: 290, bytes: 250_000),  // 10 of 200 lost: 5 %
                      8: Self.source(video: false, expected: 150, received: 150, bytes: 13_000)],
            reported: [3, 26], serverReported: 13),  // 1 % and 10 % (of 256) from receivers, 5 % from the server
            framesSent: 160, videoBytes: 240_000, freezes: freezes), remoteUsers: ["bob", "carol"])
        let statistics = report.statistics
        #expect(statistics.sentKbps == 1_000 && statistics.receivedKbps == 800, "bytes × 8 / 1000 / 2 s")
        #expect(statistics.sentBytes == 251_000 && statistics.receivedBytes == 202_000)
        #expect(statistics.rtt == 1, "400 µs rounds up to 1 ms")
        #expect(statistics.upLoss == 10, "the worst report about our streams")
        #expect(statistics.downLoss == 3, "10 of 300 expected")
        #expect(statistics.appCpu == 5, "200 ms of CPU in 2 s on 2 cores")
        #expect(statistics.systemCpu == 25)
        #expect(statistics.local == [{
            var local = RoomStatistics.Local()
            local.width = 320
            local.height = 240
            local.frameRate = 30
            local.videoBitrate = 800
            return local
        }()])
        let bob = try! #require(statistics.remote.first { $0.userId == "bob" })
        #expect(bob.videoPacketLoss == 5 && bob.audioPacketLoss == 0 && bob.finalLoss == 3)
        #expect(bob.videoBitrate == 800 && bob.audioBitrate == 32 && bob.audioSampleRate == 48_000)
        #expect(bob.width == 640 && bob.height == 360 && bob.frameRate == 30)
        let carol = try! #require(statistics.remote.first { $0.userId == "carol" })
        #expect(carol.videoBitrate == 0 && carol.finalLoss == 0)
        #expect(report.local == .bad, "10 % loss is bad (poor ends below 10 %) whatever the rtt")
        #expect(report.remote == ["bob": .good, "carol": .unknown], "bob's 3 % is good; nothing from carol")
        #expect(report.reportedUplinkLoss == 10)
        #expect(report.serverReportedUplinkLoss == 5, "the first hop alone: what video leaves room for repairs by")
    }

    @Test("no live media connection is quality 6 (down); a new transport starts its counters over without negative rates")
    func meterReconnect() {
        final class Generation {}
        let (first, second) = (Generation(), Generation())
        var meter = StatisticsMeter()
        meter.prime(Self.counters(at: 0, transport: Self.transport(
            generation: first, bytesSent: 500_000, bytesReceived: 400_000, taken: .zero,
            sources: [7: Self.source(video: true, expected: 1_000, received: 1_000, bytes: 400_000)])))
        let down = meter.report(Self.counters(at: 2, transport: nil), remoteUsers: ["bob"])
        #expect(down.local == .down && down.remote == ["bob": .down])
        #expect(down.statistics.sentBytes == 500_000, "what the lost transport carried still counts")
        let again = meter.report(Self.counters(at: 4, transport: Self.transport(
            generation: second, bytesSent: 10_000, bytesReceived: 20_000, taken: .seconds(4),
            sources: [7: Self.source(video: true, expected: 20, received: 20, bytes: 20_000)])), remoteUsers: ["bob"])
        #expect(again.statistics.sentBytes == 510_000 && again.statistics.receivedBytes == 420_000)
        #expect(again.statistics.sentKbps == 40, "10 000 bytes over 2 s: the new transport from zero")
        #expect(again.statistics.downLoss == 0)
        #expect(again.local == .excellent && again.remote == ["bob": .excellent])
    }

    @Test("the receivers' counts are passed on as totals; jitterBufferDelay is the larger of the video and audio delays")
    func receiveSideCounts() {
        var meter = StatisticsMeter()
        var counters = Self.counters(at: 0, transport: nil)
        meter.prime(counters)
        var shown = RemoteVideoStatistics(width: 640, height: 360)
        shown.decoderErrors = 1
        shown.jitterBufferDelay = .microseconds(42_400)
        shown.jitterBuffer.framesMissingReference = 7
        shown.jitterBuffer.nackMessages = 12
        shown.jitterBuffer.nack.requests = 20
        shown.jitterBuffer.nack.retries = 8
        shown.jitterBuffer.nack.repaired = 11
        shown.jitterBuffer.pictureLossIndications = 3
        shown.jitterBuffer.keyframes = 2
        counters = Self.counters(at: 2, transport: nil)
        counters.remoteVideo = ["bob": shown]
        counters.remoteAudio = ["bob": RemoteAudioStatistics(totalSamples: 96_000, concealedSamples: 1_920, fecSamples: 960,
                                                             jitterBufferDelay: .milliseconds(60))]
        let bob = try! #require(meter.report(counters, remoteUsers: ["bob"]).statistics.remote.first)
        #expect(bob.videoDecoderErrors == 1 && bob.videoFramesMissingReference == 7 && bob.videoNacksSent == 12)
        #expect(bob.videoNackRequests == 20 && bob.videoNackRetries == 8 && bob.videoRetransmissionsReceived == 11)
        #expect(bob.videoPlisSent == 3 && bob.videoKeyFramesDecoded == 2)
        #expect(bob.videoJitterBufferDelay == 42 && bob.audioJitterBufferDelay == 60 && bob.jitterBufferDelay == 60)
        #expect(bob.audioTotalSamples == 96_000 && bob.audioConcealedSamples == 1_920 && bob.audioFecSamples == 960)
    }

    @Test("/proc/stat's cpu line: busy is all but idle and iowait")
    func procStat() {
        let parsed = SystemCPUTimes(procStat: "cpu  100 5 50 800 20 3 2 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
        #expect(parsed == SystemCPUTimes(busy: 160, total: 980))
        #expect(SystemCPUTimes(procStat: "intr 1 2 3") == nil)
    }
}
