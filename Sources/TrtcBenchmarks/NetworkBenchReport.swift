import TrtcMeasurement
import Foundation

/// The results of `trtc-bench network` as markdown: one row per scenario (medians over the repeats), the outage's
/// recovery, and issue 12's targets.
struct NetworkBenchReport {
    let machine: MachineDescription
    let settings: NetworkBenchmark.Settings
    let command: String
    var runs: [String: [NetworkBenchmark.RunResult]] = [:]
    var order: [NetworkScenario] = []

    mutating func add(_ result: NetworkBenchmark.RunResult, for scenario: NetworkScenario) {
        if runs[scenario.name] == nil { order.append(scenario) }
        runs[scenario.name, default: []].append(result)
    }

    /// The median over a scenario's runs of one figure (runs without it left out); nil when none has it.
    func median(_ scenario: String, _ value: (NetworkBenchmark.RunResult) -> Double?) -> Double? {
        let values = (runs[scenario] ?? []).compactMap(value).sorted()
        guard !values.isEmpty else { return nil }
        let middle = values.count / 2
        return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
    }

    private func perMinute(_ scenario: String, _ value: @escaping (NetworkBenchmark.RunResult) -> Double) -> Double? {
        median(scenario) { $0.minutes > 0 ? value($0) / $0.minutes : nil }
    }

    private static func text(_ value: Double?, digits: Int = 1, suffix: String = "") -> String {
        value.map { $0.decimal(digits: digits) + suffix } ?? "n/a"
    }

    private static func percent(_ value: Double?, digits: Int = 2) -> String {
        value.map { ($0 * 100).decimal(digits: digits) + " %" } ?? "n/a"
    }

    var markdown: String {
        let windowSeconds = (settings.window / .seconds(1)).decimal(digits: 0)
        var lines = [
            "### Network run \(machine.date)", "", machine.markdown,
            "- command: `\(command)`",
            "- \(settings.width)×\(settings.height)@\(settings.fps), requested video bitrate \(settings.bitrateKbps) kbit/s (audio: "
                + "the test microphone, 32 kbit/s Opus); warm-up \((settings.warmUp / .seconds(1)).decimal(digits: 0)) s, measured window "
                + "\(windowSeconds) s per run; figures are medians over each scenario's runs (count in the first column)",
            "",
            "Two trtcds (publisher: the synthetic camera, stamped; viewer: its StartRemoteVideo node read by this process as an "
                + "app would), trtc-server, and the seeded relay between each trtcd and the server impairing both directions "
                + "(one-way figures below are per direction: the publisher's uplink and the viewer's downlink each get them). "
                + "fps sent = frames that reached the server; received = new pictures read from the viewer's node. Freezes: "
                + "WebRTC's definition (a gap ≥ max(3 × average, average + 150 ms)). Glass-to-glass: stamp's capture time → "
                + "picture read. PSNR: luma, received vs the sent picture rebuilt from its frame id (every "
                + "\(settings.qualityEvery)th picture). Link loss: datagrams the relay dropped (up / down). Residual loss: the "
                + "viewer's video packets never delivered after all repairs. NACKs: packets the viewer asked the server for / "
                + "the server asked the publisher for; retransmissions: sent from the server's cache / repaired on the uplink; "
                + "PLIs: from the viewer / reaching the publisher (forwarded + the server's own); key frames: at the server. "
                + "Scenario `layers` (issue 14): a second viewer behind its own relay (300 kbit/s toward it) gets the layers "
                + "its downlink carries; the table's video columns are the unlimited viewer's, the limited one's are below.",
            "",
            "| scenario (runs) | video kbit/s | fps sent → received | freezes /min | frozen s /min | glass-to-glass p50 / p95 / p99 | PSNR | link loss up / down | residual loss | NACKs /min | retransmissions /min | PLIs /min | key frames /min | audio concealment |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for scenario in order {
            let name = scenario.name
            let count = runs[name]?.count ?? 0
            let bitrate = runs[name]?.first?.bitrateKbps ?? settings.bitrateKbps
            let bitrateText = bitrate < settings.bitrateKbps ? "**\(bitrate)** (fits \((scenario.capacityKbps ?? 0) / 1000) Mbit/s)" : "\(bitrate)"
            func ms(_ fraction: Double) -> String {
                Self.text(median(name) { $0.video.latency.percentile(fraction)?.milliseconds }, digits: 0)
            }
            lines.append(
                "| \(scenario.title) (\(count)) | \(bitrateText) | "
                    + "\(Self.text(median(name) { $0.framesAtServerPerSecond })) → \(Self.text(median(name) { $0.video.framesPerSecond })) | "
                    + "\(Self.text(perMinute(name) { Double($0.video.freezes) })) | "
                    + "\(Self.text(perMinute(name) { $0.video.frozenTime / .seconds(1) }, digits: 2)) | "
                    + "\(ms(0.5)) / \(ms(0.95)) / \(ms(0.99)) ms | \(Self.text(median(name) { $0.psnr }, suffix: " dB")) | "
                    + "\(Self.percent(median(name) { $0.linkLossUp }, digits: 1)) / \(Self.percent(median(name) { $0.linkLossDown }, digits: 1)) | "
                    + "\(Self.percent(median(name) { $0.residualLoss })) | "
                    + "\(Self.text(perMinute(name) { $0.nacksDown }, digits: 0)) / \(Self.text(perMinute(name) { $0.nacksUp }, digits: 0)) | "
                    + "\(Self.text(perMinute(name) { $0.retransmissionsDown }, digits: 0)) / \(Self.text(perMinute(name) { $0.retransmissionsUp }, digits: 0)) | "
                    + "\(Self.text(perMinute(name) { $0.plisFromViewer })) / \(Self.text(perMinute(name) { $0.plisToPublisher })) | "
                    + "\(Self.text(perMinute(name) { Double($0.keyframes) })) | "
                    + "\(Self.percent(median(name) { $0.audioConcealment }, digits: 1)) |")
        }
        let outages = order.filter { $0.outage != nil }
        if !outages.isEmpty {
            lines += ["", "| outage scenario | first picture after the link returns | key frames in the 5 s after |", "|---|---|---|"]
            for scenario in outages {
                let results = runs[scenario.name] ?? []
                let first = results.map { $0.firstPictureAfterOutage.map { $0.milliseconds.decimal(digits: 0) + " ms" } ?? "none" }
                let keyframes = results.map { $0.keyframesAfterOutage.map(String.init) ?? "?" }
                lines.append("| \(scenario.title) | \(first.joined(separator: ", ")) | \(keyframes.joined(separator: ", ")) |")
            }
        }
        lines += adaptiveLines
        lines += fairnessLines
        let notes = order.compactMap { scenario -> String? in
            let results = runs[scenario.name] ?? []
            let unreadable = results.map(\.unreadable).reduce(0, +)
            let late = results.map(\.cameraLate).reduce(0, +)
            let delays = results.map { run in "\(run.viewerRoundTripMs.map(String.init) ?? "?")/\(run.viewerVideoDelayMs.map(String.init) ?? "?")" }
            return "\(scenario.name): \(unreadable) pictures with an unreadable stamp, \(late) camera frames pushed late; "
                + "the viewer's rtt / video delay at the end of each run: \(delays.joined(separator: ", ")) ms"
        }
        if !notes.isEmpty { lines += [""] + notes.map { "- " + $0 } }
        let causes = order.compactMap { scenario -> String? in
            var all = FreezeCauses()
            for result in runs[scenario.name] ?? [] { all.add(result.freezeCauses) }
            guard !all.counts.isEmpty else { return nil }
            return "\(scenario.name) (all runs): \(all.summary)" + all.lines.prefix(10).map { "\n  - " + $0 }.joined()
        }
        if !causes.isEmpty {
            lines += ["", "Freezes by what the frame after them waited for (the viewer trtcd's log, `VideoFrameTiming.Cause`; "
                        + "the layer is the frame's):", ""] + causes.map { "- " + $0 }
        }
        for result in runs["layers"] ?? [] {
            if let limited = result.limitedViewer {
                lines.append("- layers, limited viewer: \(limited.framesPerSecond.decimal(digits: 1)) fps (mean of its Statistics), "
                             + "\(limited.kbps.decimal(digits: 0)) kbit/s at the end, \(limited.freezes) freezes and "
                             + "\(limited.decoderErrors) decoder errors in the window, \(limited.layerSwitchesDown.decimal(digits: 0)) layer switches down")
            }
        }
        lines += ["", "Targets (issue 12; issue 14 for the adaptive and layers scenarios):", "", "| scenario | target | measured (median) | |", "|---|---|---|---|"]
        for check in checks { lines.append("| \(check.scenario) | \(check.target) | \(check.measured) | \(check.met.map { $0 ? "✓" : "✗" } ?? "n/a") |") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Issue 14's congestion-control scenarios: per run and capacity phase (the first 5 s after a change left out),
    /// the publisher's mean send estimate, sent rate and video target against the capacity.
    var adaptiveLines: [String] {
        let adaptive = order.filter { $0.adaptive && !$0.twoPublishers }  // fair2 has a table of its own
        guard !adaptive.isEmpty else { return [] }
        var lines = ["", "Send-side bandwidth estimation (issue 14; the publisher's `Statistics` every 2 s: `sendEstimateKbps`, "
                        + "`sentKbps` (SRTP bytes, no UDP/IP headers), `videoTargetBitrate`; phases leave out the first 5 s after a "
                        + "capacity change):", "",
                     "| scenario | run | phase | capacity | estimate | sent | sent / capacity | video target | samples above capacity | glass-to-glass p50 / p95 | viewer rtt / video delay |",
                     "|---|---|---|---|---|---|---|---|---|---|---|"]
        for scenario in adaptive {
            for (index, run) in (runs[scenario.name] ?? []).enumerated() {
                for phase in Self.phases(run.sendTrace, scenario: scenario) {
                    func mean(_ value: (NetworkBenchmark.SendSample) -> Int) -> Int {
                        phase.samples.map(value).reduce(0, +) / max(phase.samples.count, 1)
                    }
                    func viewerMean(_ value: (NetworkBenchmark.SendSample) -> Int?) -> String {
                        let values = phase.samples.compactMap(value)
                        return values.isEmpty ? "–" : "\(values.reduce(0, +) / values.count)"
                    }
                    let sent = mean(\.sentKbps)
                    let above = phase.samples.filter { $0.sentKbps > phase.capacity }.count
                    let latency = DurationPercentiles(run.pictureLatencies.filter { phase.span.contains($0.elapsed) }.map(\.latency))
                    let shown = [0.5, 0.95].map { latency.percentile($0).map { "\($0.milliseconds.decimal(digits: 0))" } ?? "–" }
                    lines.append("| \(scenario.name) | \(index + 1) | \(phase.label) | \(phase.capacity) | \(mean(\.estimateKbps)) | \(sent) | "
                                 + "\((Double(sent) / Double(max(phase.capacity, 1)) * 100).decimal(digits: 0)) % | \(mean(\.videoTargetKbps)) | "
                                 + "\(above) of \(phase.samples.count) | \(shown.joined(separator: " / ")) ms | "
                                 + "\(viewerMean(\.viewerRttMs)) / \(viewerMean(\.viewerVideoDelayMs)) ms |")
                }
            }
        }
        return lines
    }

    struct Phase {
        var label: String
        var capacity: Int
        var samples: [NetworkBenchmark.SendSample]
        /// From the relay's start: the phase without its first 5 s.
        var span: Range<Duration>
    }

    /// A trace cut into capacity phases, each without its first 5 s.
    static func phases(_ trace: [NetworkBenchmark.SendSample], scenario: NetworkScenario) -> [Phase] {
        guard let steps = try? scenario.impairment().capacity, !steps.isEmpty else { return [] }
        return steps.enumerated().compactMap { index, step in
            let end = index + 1 < steps.count ? steps[index + 1].from : .seconds(100_000)
            let samples = trace.filter { $0.elapsed >= step.from + .seconds(5) && $0.elapsed < end }
            guard !samples.isEmpty else { return nil }
            let seconds = { (value: Duration) in (value / .seconds(1)).decimal(digits: 0) }
            let label = end == .seconds(100_000) ? "\(seconds(step.from + .seconds(5))) s –" : "\(seconds(step.from + .seconds(5)))–\(seconds(end)) s"
            return Phase(label: label, capacity: step.bitsPerSecond / 1000, samples: samples, span: step.from + .seconds(5)..<end)
        }
    }

    struct Check {
        var scenario: String
        var target: String
        var measured: String
        var met: Bool?
    }

    /// Issue 12's targets for the scenarios that ran.
    var checks: [Check] {
        var result: [Check] = []
        func add(_ scenario: String, _ target: String, _ value: Double?, _ shown: (Double) -> String, _ ok: (Double) -> Bool) {
            guard let title = order.first(where: { $0.name == scenario })?.title else { return }
            result.append(Check(scenario: title, target: target, measured: value.map(shown) ?? "n/a", met: value.map(ok)))
        }
        let ms = { (value: Double) in value.decimal(digits: 0) + " ms" }
        let fps = { (value: Double) in value.decimal(digits: 1) + " fps" }
        let perMin = { (value: Double) in value.decimal(digits: 1) + " /min" }
        add("clean", "glass-to-glass p50 ≤ 50 ms", median("clean") { $0.video.latency.percentile(0.5)?.milliseconds }, ms) { $0 <= 50 }
        add("clean", "glass-to-glass p95 ≤ 100 ms", median("clean") { $0.video.latency.percentile(0.95)?.milliseconds }, ms) { $0 <= 100 }
        add("clean", "≥ 29 fps received", median("clean") { $0.video.framesPerSecond }, fps) { $0 >= 29 }
        add("clean", "0 freezes", median("clean") { Double($0.video.freezes) }, { $0.decimal(digits: 0) }) { $0 == 0 }
        add("loss5", "≥ 27 fps received", median("loss5") { $0.video.framesPerSecond }, fps) { $0 >= 27 }
        add("loss5", "≤ 1 freeze /min", perMinute("loss5") { Double($0.video.freezes) }, perMin) { $0 <= 1 }
        add("loss5", "residual loss after repair ≤ 0.5 %", median("loss5") { $0.residualLoss }, { ($0 * 100).decimal(digits: 2) + " %" }) { $0 <= 0.005 }
        add("loss5", "glass-to-glass p95 ≤ 400 ms", median("loss5") { $0.video.latency.percentile(0.95)?.milliseconds }, ms) { $0 <= 400 }
        add("loss5", "audio concealment ≤ 5 %", median("loss5") { $0.audioConcealment }, { ($0 * 100).decimal(digits: 1) + " %" }) { $0 <= 0.05 }
        add("loss10", "≥ 24 fps received", median("loss10") { $0.video.framesPerSecond }, fps) { $0 >= 24 }
        add("loss10", "≤ 3 freezes /min", perMinute("loss10") { Double($0.video.freezes) }, perMin) { $0 <= 3 }
        add("outage", "first picture ≤ 1 s after the link returns", median("outage") { $0.firstPictureAfterOutage?.milliseconds }, ms) { $0 <= 1000 }
        add("layers", "unlimited viewer ≥ 28 fps", median("layers") { $0.video.framesPerSecond }, fps) { $0 >= 28 }
        add("layers", "limited viewer ≥ 10 fps", median("layers") { $0.limitedViewer?.framesPerSecond }, fps) { $0 >= 10 }
        add("layers", "limited viewer: no freezes after 10 s", median("layers") { $0.limitedViewer.map { Double($0.freezes) } },
            { $0.decimal(digits: 0) }) { $0 == 0 }
        add("layers", "limited viewer: no decoder errors", median("layers") { $0.limitedViewer.map { Double($0.decoderErrors) } },
            { $0.decimal(digits: 0) }) { $0 == 0 }
        add("outage", "≤ 3 key frames in the 5 s after", median("outage") { $0.keyframesAfterOutage.map(Double.init) }, { $0.decimal(digits: 0) }) { $0 <= 3 }
        // Issue 14 (congestion control).
        let kbps = { (value: Double) in value.decimal(digits: 0) + " kbit/s" }
        add("cap500", "estimate 450 ± 100 kbit/s from 25 s on", median("cap500") { run in
            let late = run.sendTrace.filter { $0.elapsed >= .seconds(25) }.map { Double($0.estimateKbps) }
            return late.isEmpty ? nil : late.reduce(0, +) / Double(late.count)
        }, kbps) { (350...550).contains($0) }
        add("cap500", "≥ 20 fps received", median("cap500") { $0.video.framesPerSecond }, fps) { $0 >= 20 }
        add("loss5cc", "≥ 27 fps received", median("loss5cc") { $0.video.framesPerSecond }, fps) { $0 >= 27 }
        add("loss5cc", "≤ 1 freeze /min", perMinute("loss5cc") { Double($0.video.freezes) }, perMin) { $0 <= 1 }
        if let steps = order.first(where: { $0.name == "steps" }) {
            add("steps", "steady-state sent ≥ 70 % of capacity (worst phase)", median("steps") { run in
                Self.phases(run.sendTrace, scenario: steps).map { phase in
                    Double(phase.samples.map(\.sentKbps).reduce(0, +)) / Double(max(phase.samples.count, 1)) / Double(phase.capacity)
                }.min()
            }, { ($0 * 100).decimal(digits: 0) + " %" }) { $0 >= 0.7 }
            add("steps", "sent above capacity (2 s samples, 5 s after a change on)", median("steps") { run in
                Double(Self.phases(run.sendTrace, scenario: steps).map { phase in phase.samples.filter { $0.sentKbps > phase.capacity }.count }.reduce(0, +))
            }, { $0.decimal(digits: 0) }) { $0 == 0 }
            add("steps", "glass-to-glass p95 ≤ 400 ms (whole window)", median("steps") { $0.video.latency.percentile(0.95)?.milliseconds }, ms) { $0 <= 400 }
            add("steps", "glass-to-glass p95 ≤ 400 ms outside the 5 s after each drop", median("steps") {
                $0.latencyOutsideDrops?.percentile(0.95)?.milliseconds
            }, ms) { $0 <= 400 }
        }
        // Issue 14 §3: the publisher's target is the highest layer anyone needs.
        add("narrow300", "≥ 24 fps received (both layers, not the base layer's 15)", median("narrow300") { $0.video.framesPerSecond }, fps) { $0 >= 24 }
        add("narrow300", "0 freezes", median("narrow300") { Double($0.video.freezes) }, { $0.decimal(digits: 0) }) { $0 == 0 }
        add("narrow300", "publisher's video target held under the link (mean from 15 s on)", median("narrow300") { run in
            let late = run.sendTrace.filter { $0.elapsed >= .seconds(15) }.map { Double($0.videoTargetKbps) }
            return late.isEmpty ? nil : late.reduce(0, +) / Double(late.count)
        }, kbps) { $0 > 0 && $0 <= 300 }
        add("narrow300", "the server's limit on it (REMB, mean from 15 s on)", median("narrow300") { run in
            let late = run.sendTrace.filter { $0.elapsed >= .seconds(15) }.map { Double($0.receiverLimitKbps) }
            return late.isEmpty ? nil : late.reduce(0, +) / Double(late.count)
        }, kbps) { $0 > 0 && $0 <= 300 }
        if let fair = order.first(where: \.twoPublishers) {
            add(fair.name, "sent rates within 0.33–3× of each other (bench / bench2)", median(fair.name) { Self.fairShare($0)?.ratio },
                { $0.decimal(digits: 2) + "×" }) { ((1.0 / 3)...3).contains($0) }
            add(fair.name, "sum of the sent rates ≤ capacity", median(fair.name) { Self.fairShare($0).map { Double($0.sumKbps) } }, kbps) {
                $0 <= Double(fair.capacityKbps ?? 0)
            }
        }
        return result
    }

    /// Targets measured and missed (those without a measurement, such as audio concealment before trtcd counts it,
    /// are not counted as missed).
    var missedTargets: [String] {
        checks.filter { $0.met == false }.map { "\($0.scenario): \($0.target) (measured \($0.measured))" }
    }
}
