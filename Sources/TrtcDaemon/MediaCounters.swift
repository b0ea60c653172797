import TrtcCore

/// What the statistics tick reads from the media engine at one instant: cumulative counters only (copied out of
/// their owners' locks), so `StatisticsMeter` can take differences without touching any live object.
struct MediaCounters: Sendable {
    struct Transport: Sendable {
        /// Tells transports apart: a reconnect's new transport starts its counters at zero.
        var generation: ObjectIdentifier
        /// Secure and consent fresh (`MediaTransport.isBound`).
        var bound: Bool
        var roundTrip: Duration?
        var bytesSent: Int
        var bytesReceived: Int
        /// The send-side estimate, bits/s.
        var sendEstimate: Int
        /// The server's limit on our video (kbit/s), nil when none holds.
        var receiverLimitKbps: Int? = nil
        var reception: MediaTransport.ReceptionSnapshot
    }

    /// Monotonic time of the reading.
    var time: Duration
    /// CPU time this process has used (CLOCK_PROCESS_CPUTIME_ID).
    var processCPU: Duration
    /// `/proc/stat`'s first line as (busy, total) jiffies, nil if unreadable.
    var systemCPU: SystemCPUTimes?
    var onlineCores: Int
    var transport: Transport?
    var video: PublisherStatistics?
    var audio: PublisherStatistics?
    /// The video encoder's bitrate target (kbit/s; 0 while none).
    var videoTargetKbps = 0
    var sendingVideo = false
    var sendingAudio = false
    /// Shown main streams (StartRemoteVideo) by userId.
    var remoteVideo: [String: RemoteVideoStatistics] = [:]
    /// Played remote audio by userId.
    var remoteAudio: [String: RemoteAudioStatistics] = [:]
    /// Remote users' video SSRCs (LocalMedia's routing) and audio SSRCs (the room machine's members).
    var remoteVideoSsrcs: [String: UInt32] = [:]
    var remoteAudioSsrcs: [String: UInt32] = [:]
}

/// The whole system's CPU time from `/proc/stat` (jiffies): busy = everything but idle and iowait.
struct SystemCPUTimes: Sendable, Equatable {
    var busy: UInt64
    var total: UInt64

    /// Parses the `cpu  user nice system idle iowait irq softirq steal …` line.
    init?(procStat text: Substring) {
        guard let line = text.split(separator: "\n", maxSplits: 1).first, line.hasPrefix("cpu ") else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard fields.count >= 4 else { return nil }
        // guest and guest_nice (9th, 10th) are already counted in user and nice.
        let counted = fields.prefix(8)
        total = counted.reduce(0, +)
        busy = total - fields[3] - (fields.count > 4 ? fields[4] : 0)
    }

    init(busy: UInt64, total: UInt64) {
        self.busy = busy
        self.total = total
    }
}
