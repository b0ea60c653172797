import TrtcDBusContract
import TrtcRTP

/// Turns successive `MediaCounters` readings into TRTC's statistics and quality levels: rates and losses are the
/// differences since the previous reading. A value type owned by the room controller, reset per room entry;
/// unit-tested without I/O.
struct StatisticsMeter: Sendable {
    struct Report: Sendable, Equatable {
        var statistics: RoomStatistics
        var local: NetworkQuality
        var remote: [String: NetworkQuality]
        /// The uplink loss receivers reported (percent), nil when none did: what Opus is told.
        var reportedUplinkLoss: Int?
        /// The loss of our first hop alone, as the server reports it (percent; sender SSRC 0, protocol.md), nil when it
        /// did not: what video leaves room for repairs by (`SendBitrateAllocation.repairShare`). Not the receivers'
        /// reports: they include their own downlinks, and one receiver behind a narrow link (60 % lost before the SFU
        /// lowers its layer) would cut the video everybody gets.
        var serverReportedUplinkLoss: Int?
    }


    private var previous: MediaCounters?
    /// Bytes of transports already replaced (a reconnect), so the totals cover the whole room entry.
    private var retiredSent: UInt64 = 0
    private var retiredReceived: UInt64 = 0

    init() {}

    /// The first reading, so the first report already has rates over a whole interval.
    mutating func prime(_ counters: MediaCounters) {
        previous = counters
    }

    /// `remoteUsers`: everybody else in the room now (each gets a `remoteArray` entry and a quality level).
    mutating func report(_ counters: MediaCounters, remoteUsers: [String]) -> Report {
        defer { previous = counters }
        let before = previous
        let seconds = before.map { Self.seconds(counters.time - $0.time) } ?? 0
        var statistics = RoomStatistics()

        // CPU over the interval.
        if let before, seconds > 0 {
            let cores = Double(max(1, counters.onlineCores))
            statistics.appCpu = Self.percent(Self.seconds(counters.processCPU - before.processCPU), of: seconds * cores)
            if let now = counters.systemCPU, let then = before.systemCPU, now.total > then.total, now.busy >= then.busy {
                statistics.systemCpu = Self.percent(Double(now.busy - then.busy), of: Double(now.total - then.total))
            }
        }

        // The transport: bytes, round trip, reports about our streams.
        let transport = counters.transport
        let sameTransport = transport != nil && before?.transport?.generation == transport?.generation
        let earlier = sameTransport ? before?.transport : nil
        if let old = before?.transport, !sameTransport {
            retiredSent += UInt64(max(0, old.bytesSent))
            retiredReceived += UInt64(max(0, old.bytesReceived))
        }
        if let transport {
            statistics.sentBytes = retiredSent + UInt64(max(0, transport.bytesSent))
            statistics.receivedBytes = retiredReceived + UInt64(max(0, transport.bytesReceived))
            if seconds > 0 {
                statistics.sentKbps = Self.kbps(transport.bytesSent - (earlier?.bytesSent ?? 0), seconds: seconds)
                statistics.receivedKbps = Self.kbps(transport.bytesReceived - (earlier?.bytesReceived ?? 0), seconds: seconds)
            }
            statistics.sendEstimateKbps = UInt32(clamping: transport.sendEstimate / 1000)
            statistics.receiverLimitKbps = UInt32(clamping: transport.receiverLimitKbps ?? 0)
            if let roundTrip = transport.roundTrip {
                // Rounded up: a measured round trip is never 0 ms (0 means not measured).
                statistics.rtt = Self.milliseconds(roundTrip, roundingUp: true)
            }
        } else {
            statistics.sentBytes = retiredSent
            statistics.receivedBytes = retiredReceived
        }
        let reports = transport?.reception.reportedLoss ?? [:]
        let reportedLoss = reports.values.map { Self.percent(fractionLost: $0.fractionLost) }.max()
        statistics.upLoss = UInt32(reportedLoss ?? 0)
        let serverReportedLoss = reports.filter { $0.key.reporter == ServerFeedbackSSRC.value }
            .values.map { Self.percent(fractionLost: $0.fractionLost) }.max()

        // Reception per source since the previous snapshot of the same transport.
        let sources = transport?.reception.sources ?? [:]
        let earlierSources = earlier?.reception.sources ?? [:]
        // Reception counters are copied on the receive thread's 1 s tick: their own time base (a new transport: the tick).
        let receptionSeconds = earlier.map { Self.seconds((transport?.reception.taken ?? .zero) - $0.reception.taken) } ?? seconds
        func delta(_ ssrc: UInt32?) -> (expected: Int, received: Int, bytes: Int)? {
            guard let ssrc, let now = sources[ssrc] else { return nil }
            let then = earlierSources[ssrc]
            // A source whose counters went back is a new stream: count from zero.
            let restarted = then.map { $0.packetsReceived > now.packetsReceived || $0.packetsExpected > now.packetsExpected } ?? true
            let base = restarted ? ReceptionLedger.SourceCounters(isVideo: now.isVideo, packetsExpected: 0, packetsReceived: 0, bytesReceived: 0) : then!
            return (Int(now.packetsExpected) - Int(base.packetsExpected), Int(now.packetsReceived) - Int(base.packetsReceived),
                    now.bytesReceived - base.bytesReceived)
        }
        var allExpected = 0
        var allReceived = 0
        for ssrc in sources.keys {
            guard let counted = delta(ssrc) else { continue }
            allExpected += counted.expected
            allReceived += counted.received
        }
        let downLoss = Self.lossPercent(expected: allExpected, received: allReceived)
        statistics.downLoss = downLoss ?? 0

        // Local streams.
        if counters.sendingVideo || counters.sendingAudio {
            var local = RoomStatistics.Local()
            if counters.sendingVideo, let video = counters.video {
                let then = Self.sameRun(before?.video, video)
                local.width = UInt32(clamping: video.width)
                local.videoTargetBitrate = UInt32(clamping: counters.videoTargetKbps)
                local.height = UInt32(clamping: video.height)
                if seconds > 0 {
                    local.frameRate = Self.rate(video.framesSent - (then?.framesSent ?? 0), seconds: seconds)
                    local.videoBitrate = Self.kbps(video.bytesSent - (then?.bytesSent ?? 0), seconds: seconds)
                }
                local.framesDropped = UInt32(clamping: video.framesDroppedBehind - (then?.framesDroppedBehind ?? 0))
            }
            if counters.sendingAudio, let audio = counters.audio {
                let then = Self.sameRun(before?.audio, audio)
                local.audioSampleRate = 48_000
                if seconds > 0 { local.audioBitrate = Self.kbps(audio.bytesSent - (then?.bytesSent ?? 0), seconds: seconds) }
            }
            statistics.local = [local]
        }

        // Network quality: ours from rtt and the worse of the two losses; down without a live media connection.
        let bound = transport?.bound ?? false
        let localQuality: NetworkQuality
        if !bound {
            localQuality = .down
        } else {
            let losses = [reportedLoss.map(UInt32.init), downLoss].compactMap { $0 }
            localQuality = NetworkQuality.rating(rttMilliseconds: statistics.rtt > 0 ? statistics.rtt : nil, lossPercent: losses.max())
        }

        // Remote users.
        var remoteQuality: [String: NetworkQuality] = [:]
        for userId in remoteUsers.sorted() {
            var remote = RoomStatistics.Remote(userId: userId)
            let video = delta(counters.remoteVideoSsrcs[userId])
            let audio = delta(counters.remoteAudioSsrcs[userId])
            if let video {
                remote.videoBitrate = receptionSeconds > 0 ? Self.kbps(video.bytes, seconds: receptionSeconds) : 0
                remote.videoPacketLoss = Self.lossPercent(expected: video.expected, received: video.received) ?? 0
            }
            if let audio {
                remote.audioSampleRate = 48_000
                remote.audioBitrate = receptionSeconds > 0 ? Self.kbps(audio.bytes, seconds: receptionSeconds) : 0
                remote.audioPacketLoss = Self.lossPercent(expected: audio.expected, received: audio.received) ?? 0
            }
            let final = Self.lossPercent(expected: (video?.expected ?? 0) + (audio?.expected ?? 0),
                                         received: (video?.received ?? 0) + (audio?.received ?? 0))
            remote.finalLoss = final ?? 0
            if let shown = counters.remoteVideo[userId] {
                let then = before?.remoteVideo[userId].flatMap { $0.freezes.pictures <= shown.freezes.pictures ? $0 : nil }
                remote.width = UInt32(clamping: shown.width)
                remote.height = UInt32(clamping: shown.height)
                if seconds > 0 { remote.frameRate = Self.rate(shown.freezes.pictures - (then?.freezes.pictures ?? 0), seconds: seconds) }
                remote.videoFreezeCount = UInt32(clamping: shown.freezes.freezes)
                remote.videoTotalBlockTime = Self.milliseconds(shown.freezes.frozenTime)
                let shownFor = Self.seconds(shown.freezes.renderedTime)
                remote.videoBlockRate = shownFor > 0 ? Self.percent(Self.seconds(shown.freezes.frozenTime), of: shownFor) : 0
                let buffer = shown.jitterBuffer
                remote.videoJitterBufferDelay = Self.milliseconds(shown.jitterBufferDelay)
                remote.videoDecoderErrors = UInt32(clamping: shown.decoderErrors)
                remote.videoFramesMissingReference = UInt32(clamping: buffer.framesMissingReference)
                remote.videoNacksSent = UInt32(clamping: buffer.nackMessages)
                remote.videoNackRequests = UInt32(clamping: buffer.nack.requests)
                remote.videoNackRetries = UInt32(clamping: buffer.nack.retries)
                remote.videoRetransmissionsReceived = UInt32(clamping: buffer.nack.repaired)
                remote.videoPlisSent = UInt32(clamping: buffer.pictureLossIndications)
                remote.videoKeyFramesDecoded = UInt32(clamping: buffer.keyframes)
                remote.receivedTemporalLayers = UInt32(clamping: shown.receivedTemporalLayers)
            }
            if let played = counters.remoteAudio[userId] {
                remote.audioJitterBufferDelay = Self.milliseconds(played.jitterBufferDelay)
                remote.audioTotalSamples = UInt64(max(0, played.totalSamples))
                remote.audioConcealedSamples = UInt64(max(0, played.concealedSamples))
                remote.audioFecSamples = UInt64(max(0, played.fecSamples))
            }
            remote.jitterBufferDelay = max(remote.videoJitterBufferDelay, remote.audioJitterBufferDelay)
            statistics.remote.append(remote)
            remoteQuality[userId] = !bound ? .down
                : final == nil ? .unknown
                : NetworkQuality.rating(rttMilliseconds: statistics.rtt > 0 ? statistics.rtt : nil, lossPercent: final)
        }
        return Report(statistics: statistics, local: localQuality, remote: remoteQuality, reportedUplinkLoss: reportedLoss,
                      serverReportedUplinkLoss: serverReportedLoss)
    }

    // MARK: arithmetic

    /// An RTCP report block's `fraction lost` (of 256) in whole percent, rounded.
    static func percent(fractionLost: UInt8) -> Int {
        (Int(fractionLost) * 100 + 128) / 256
    }

    /// The earlier reading if it is of the same publisher run (counters only grow), else nil (count from zero).
    private static func sameRun(_ then: PublisherStatistics?, _ now: PublisherStatistics) -> PublisherStatistics? {
        guard let then, then.framesSent <= now.framesSent, then.bytesSent <= now.bytesSent else { return nil }
        return then
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func milliseconds(_ duration: Duration, roundingUp: Bool = false) -> UInt32 {
        let value = (duration / .milliseconds(1)).rounded(roundingUp ? .up : .toNearestOrAwayFromZero)
        return UInt32(max(0, min(Double(UInt32.max), value)))
    }

    static func kbps(_ bytes: Int, seconds: Double) -> UInt32 {
        guard seconds > 0, bytes > 0 else { return 0 }
        return UInt32(clamping: Int((Double(bytes) * 8 / 1000 / seconds).rounded()))
    }

    static func rate(_ count: Int, seconds: Double) -> UInt32 {
        guard seconds > 0, count > 0 else { return 0 }
        return UInt32(clamping: Int((Double(count) / seconds).rounded()))
    }

    static func percent(_ part: Double, of whole: Double) -> UInt32 {
        guard whole > 0, part > 0 else { return 0 }
        return UInt32(clamping: Int(min(100, (part * 100 / whole).rounded())))
    }

    /// Lost share of what was expected, rounded; nil when nothing was expected (nothing to judge). Duplicates can
    /// make received exceed expected: that is 0 % lost.
    static func lossPercent(expected: Int, received: Int) -> UInt32? {
        guard expected > 0 else { return nil }
        return percent(Double(max(0, expected - received)), of: Double(expected))
    }
}
