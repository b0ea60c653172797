/// Percentiles of a set of measured durations (nearest-rank).
struct LatencySummary: Sendable {
    let count: Int
    let p50: Duration
    let p99: Duration
    let max: Duration

    init(_ samples: [Duration]) {
        let sorted = samples.sorted()
        count = sorted.count
        func rank(_ fraction: Double) -> Duration {
            guard !sorted.isEmpty else { return .zero }
            let index = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, index))]
        }
        p50 = rank(0.50)
        p99 = rank(0.99)
        max = sorted.last ?? .zero
    }
}
