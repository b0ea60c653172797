/// A short burst of packets sent at `bitsPerSecond`, whatever the estimate, to learn whether the link carries that
/// rate (libwebrtc `probe_controller.cc`). The sender numbers its packets as usual and tells the estimator which
/// cluster each belongs to; the arrival rate the feedback shows is the result (`ProbeBitrateEstimator`).
public struct ProbeCluster: Sendable, Equatable {
    /// At least this many packets and `duration` at the rate: fewer say little about the link's rate.
    public static let minimumPackets = 5
    public static let duration = Duration.milliseconds(15)

    public let id: Int
    public let bitsPerSecond: Int

    /// Bytes the cluster should carry at its rate (at least `minimumPackets` packets are sent whatever their size).
    public var minimumBytes: Int { bitsPerSecond / 8 * Int(Self.duration / .milliseconds(1)) / 1000 }

    /// How long `bytes` take at the cluster's rate.
    public func wireTime(bytes: Int) -> Duration {
        .microseconds(Int64(bytes) * 8 * 1_000_000 / Int64(max(bitsPerSecond, 1)))
    }
}

/// When to probe (after libwebrtc's `ProbeController`, reduced): while the estimate is below the application's
/// ceiling, a cluster at twice the estimate at the start, then every `interval` (the link may have grown: libwebrtc's
/// periodic ALR probing), and again at twice each result while results keep showing the link carries what was sent
/// (exponential search). A value without I/O.
public struct ProbeController: Sendable {
    /// Between periodic probes.
    public static let interval = Duration.seconds(3)
    /// A result at least this share of the probed rate says the link may carry more: probe again at twice it.
    static let continueRatio = 0.7
    /// No result by then (feedback lost, cluster dropped): the probe is given up.
    static let resultTimeout = Duration.seconds(1)
    /// Probing stops this close to the ceiling.
    static let ceilingShare = 0.95

    /// Bits per second the senders would use at most (what the application asked for, with packet overhead).
    public private(set) var ceiling: Int
    private var pending: (cluster: ProbeCluster, sent: Duration)?
    private var lastProbe: Duration?
    private var nextID = 1

    public init(ceiling: Int) {
        self.ceiling = ceiling
    }

    /// The application's bitrate changed; a raised ceiling is probed for at once.
    public mutating func setCeiling(_ new: Int) {
        if new > ceiling { lastProbe = nil }
        ceiling = new
    }

    /// The cluster to send now, if any, given the current estimate and the newest probe result.
    public mutating func cluster(estimate: Int, result: ProbeBitrateEstimator.Result?, now: Duration) -> ProbeCluster? {
        if let current = pending {
            if let result, result.cluster == current.cluster.id {
                pending = nil
                // The link carried (nearly) what was sent: it may carry more.
                if Double(result.bitsPerSecond) >= Self.continueRatio * Double(current.cluster.bitsPerSecond) {
                    return start(rate: 2 * max(result.bitsPerSecond, estimate), estimate: estimate, now: now)
                }
                return nil
            }
            guard now - current.sent >= Self.resultTimeout else { return nil }
            pending = nil
        }
        if let lastProbe, now - lastProbe < Self.interval { return nil }
        return start(rate: 2 * estimate, estimate: estimate, now: now)
    }

    private mutating func start(rate: Int, estimate: Int, now: Duration) -> ProbeCluster? {
        let limit = Int(Double(ceiling) * Self.ceilingShare)
        guard estimate < limit else { return nil }
        let cluster = ProbeCluster(id: nextID, bitsPerSecond: min(rate, ceiling))
        nextID += 1
        pending = (cluster, now)
        lastProbe = now
        return cluster
    }
}
