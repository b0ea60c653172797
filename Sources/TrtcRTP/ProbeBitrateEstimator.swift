/// The rate a probe cluster showed (libwebrtc `probe_bitrate_estimator.cc`): the send rate over its packets but the
/// last, the receive rate over all but the first; when the receive rate is clearly below the send rate the link was
/// saturated and its capacity is about the receive rate. A value without I/O.
public struct ProbeBitrateEstimator: Sendable {
    public struct Result: Sendable, Equatable {
        public let cluster: Int
        public let bitsPerSecond: Int
    }

    static let minimumReceivedShare = 0.8
    static let saturatedRatio = 0.9
    static let saturatedUtilisation = 0.95
    static let maximumInterval = Duration.seconds(1)

    private struct Cluster {
        var sentCount = 0
        var firstSent = Duration.zero
        var lastSent = Duration.zero
        var sentBytes = 0
        var lastSentSize = 0
        var results = 0
        var received = 0
        var firstArrival: Duration?
        var lastArrival = Duration.zero
        var receivedBytes = 0
        var firstArrivalSize = 0
        var created = Duration.zero
    }

    private var clusters: [Int: Cluster] = [:]

    public init() {}

    public mutating func packetSent(cluster id: Int, size: Int, at time: Duration) {
        var cluster = clusters[id] ?? Cluster(firstSent: time, created: time)
        cluster.sentCount += 1
        cluster.firstSent = min(cluster.firstSent, time)
        cluster.lastSent = max(cluster.lastSent, time)
        cluster.sentBytes += size
        cluster.lastSentSize = size
        clusters[id] = cluster
        // Clusters whose feedback never came.
        clusters = clusters.filter { time - $0.value.created < .seconds(5) }
    }

    /// One packet of cluster `id` was reported on (arrived at `arrival`, or lost). Returns the cluster's result once
    /// every packet of it was reported on and enough arrived.
    public mutating func packetReported(cluster id: Int, size: Int, arrival: Duration?) -> Result? {
        guard var cluster = clusters[id] else { return nil }
        cluster.results += 1
        if let arrival {
            cluster.received += 1
            cluster.receivedBytes += size
            if cluster.firstArrival.map({ arrival < $0 }) ?? true {
                cluster.firstArrival = arrival
                cluster.firstArrivalSize = size
            }
            cluster.lastArrival = max(cluster.lastArrival, arrival)
        }
        clusters[id] = cluster
        guard cluster.results >= cluster.sentCount else { return nil }
        clusters[id] = nil
        guard Double(cluster.received) >= Self.minimumReceivedShare * Double(cluster.sentCount),
              cluster.received >= 2, let firstArrival = cluster.firstArrival else { return nil }
        let sendInterval = cluster.lastSent - cluster.firstSent
        let receiveInterval = cluster.lastArrival - firstArrival
        guard sendInterval > .zero, receiveInterval > .zero,
              sendInterval <= Self.maximumInterval, receiveInterval <= Self.maximumInterval else { return nil }
        let sendRate = Double((cluster.sentBytes - cluster.lastSentSize) * 8) / (sendInterval.floatMilliseconds / 1000)
        let receiveRate = Double((cluster.receivedBytes - cluster.firstArrivalSize) * 8) / (receiveInterval.floatMilliseconds / 1000)
        var rate = min(sendRate, receiveRate)
        if receiveRate < Self.saturatedRatio * sendRate { rate = Self.saturatedUtilisation * receiveRate }
        return Result(cluster: id, bitsPerSecond: Int(rate))
    }
}
