/// RFC 8868's fairness case (issue 14, scenario fair2): two publishers whose uplinks share one bottleneck; per run,
/// each one's send-side figures over the window (which starts at least 10 s after they entered) and the ratio of
/// their sent rates.
extension NetworkBenchReport {
    /// One publisher's means over a run's window.
    struct PublisherMeans {
        var estimateKbps: Int
        var sentKbps: Int
        var videoTargetKbps: Int
        var framesSentPerSecond: Double
        var framesReceivedPerSecond: Double

        init(trace: [NetworkBenchmark.SendSample], framesSent: Double, framesReceived: Double) {
            func mean(_ value: (NetworkBenchmark.SendSample) -> Int) -> Int { trace.map(value).reduce(0, +) / max(trace.count, 1) }
            estimateKbps = mean(\.estimateKbps)
            sentKbps = mean(\.sentKbps)
            videoTargetKbps = mean(\.videoTargetKbps)
            framesSentPerSecond = framesSent
            framesReceivedPerSecond = framesReceived
        }
    }

    struct FairShare {
        var first: PublisherMeans
        var second: PublisherMeans
        /// First publisher's sent rate / the second's (RFC 8868's target: 0.33–3).
        var ratio: Double? { second.sentKbps > 0 ? Double(first.sentKbps) / Double(second.sentKbps) : nil }
        var sumKbps: Int { first.sentKbps + second.sentKbps }
    }

    /// Both publishers' figures of a two-publisher run (nil for other runs, or when no `Statistics` was read).
    static func fairShare(_ run: NetworkBenchmark.RunResult) -> FairShare? {
        guard let second = run.secondPublisher, !run.sendTrace.isEmpty, !second.sendTrace.isEmpty else { return nil }
        return FairShare(
            first: PublisherMeans(trace: run.sendTrace, framesSent: run.framesAtServerPerSecond, framesReceived: run.video.framesPerSecond),
            second: PublisherMeans(trace: second.sendTrace, framesSent: second.framesAtServerPerSecond,
                                   framesReceived: second.framesReceivedPerSecond))
    }

    var fairnessLines: [String] {
        let scenarios = order.filter(\.twoPublishers)
        guard !scenarios.isEmpty else { return [] }
        var lines = ["", "Two publishers sharing one uplink bottleneck (issue 14, RFC 8868 fairness; the relay carries only the "
                        + "publishers' media, the viewer's path is clean, so the table's link and residual loss are the publishers'): "
                        + "each publisher's `Statistics` "
                        + "every 2 s, averaged over the window (`sendEstimateKbps`, `sentKbps`: SRTP bytes without UDP/IP headers, "
                        + "`videoTargetBitrate`); fps sent = frames at the server, received = the viewer's (bench: pictures read "
                        + "from its node; bench2: its `Statistics`):", "",
                     "| scenario | run | capacity | bench estimate / sent / target | bench2 estimate / sent / target | fps sent → received bench / bench2 | sent ratio bench / bench2 | sum / capacity |",
                     "|---|---|---|---|---|---|---|---|"]
        for scenario in scenarios {
            let capacity = scenario.capacityKbps ?? 0
            for (index, run) in (runs[scenario.name] ?? []).enumerated() {
                guard let share = Self.fairShare(run) else {
                    lines.append("| \(scenario.name) | \(index + 1) | \(capacity) | n/a | n/a | n/a | n/a | n/a |")
                    continue
                }
                func figures(_ means: PublisherMeans) -> String { "\(means.estimateKbps) / \(means.sentKbps) / \(means.videoTargetKbps)" }
                func fps(_ means: PublisherMeans) -> String {
                    "\(means.framesSentPerSecond.decimal(digits: 1)) → \(means.framesReceivedPerSecond.decimal(digits: 1))"
                }
                let ratio = share.ratio.map { $0.decimal(digits: 2) + " " + ((1.0 / 3)...3 ~= $0 ? "✓" : "✗") } ?? "n/a"
                lines.append("| \(scenario.name) | \(index + 1) | \(capacity) kbit/s | \(figures(share.first)) | \(figures(share.second)) | "
                             + "\(fps(share.first)) / \(fps(share.second)) | \(ratio) | "
                             + "\((Double(share.sumKbps) / Double(max(capacity, 1)) * 100).decimal(digits: 0)) % |")
            }
        }
        return lines
    }
}
