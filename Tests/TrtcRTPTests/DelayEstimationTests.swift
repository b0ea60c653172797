import Testing
import TrtcMediaTestSupport
import TrtcRTP

/// The delay variation behind both jitter buffers' targets, and the audio target's grow-fast, shrink-slowly rule.
@Suite struct DelayEstimationTests {
    @Test func aSteadyPathHasNoVariationWhateverItsDelay() {
        var estimator = DelayVariationEstimator(window: 50)
        for index in 0..<100 { estimator.record(arrival: 7.25 + Double(index) * 0.02, mediaTime: Double(index) * 0.02) }
        #expect(abs(estimator.variation) < 1e-9)
        #expect(abs((estimator.base ?? 0) - 7.25) < 1e-9)
    }

    @Test func theVariationIsAHighQuantileAboveTheFastest() {
        var estimator = DelayVariationEstimator(window: 1000, quantile: 0.95)
        // Extra delays 0, 1, …, 99 ms (shuffled): the 95th percentile is ~95 ms.
        var random = SplitMix64(seed: 9)
        let extras = Array(0..<100).shuffled(using: &random)
        for (index, extra) in extras.enumerated() {
            estimator.record(arrival: Double(index) * 0.02 + Double(extra) / 1000, mediaTime: Double(index) * 0.02)
        }
        #expect(abs(estimator.variation - 0.095) < 0.0015, "\(estimator.variation)")
        // Samples that do not count (a retransmission) may set the base but not the variation.
        estimator.record(arrival: 100 * 0.02 + 5, mediaTime: 100 * 0.02, countsForVariation: false)
        #expect(abs(estimator.variation - 0.095) < 0.0015)
    }

    @Test func oldSamplesLeaveTheWindow() {
        var estimator = DelayVariationEstimator(window: 20)
        for index in 0..<20 { estimator.record(arrival: Double(index) * 0.02 + (index % 2 == 0 ? 0 : 0.08), mediaTime: Double(index) * 0.02) }
        #expect(estimator.variation > 0.07)
        for index in 20..<40 { estimator.record(arrival: Double(index) * 0.02 + 0.01, mediaTime: Double(index) * 0.02) }
        #expect(abs(estimator.variation) < 1e-9, "only the calm samples are left")
        #expect(estimator.count == 20)
    }

    @Test("with a recent window, a one-off spike (a queue filled by a capacity drop) is forgotten ~3 s after it, steady jitter is not")
    func aSpikeIsForgottenSooner() {
        var plain = DelayVariationEstimator(window: 300)
        var recent = DelayVariationEstimator(window: 300, recentWindow: 90)
        var random = SplitMix64(seed: 4)
        var frame = 0
        func record(_ extra: () -> Double, frames: Int) {
            for _ in 0..<frames {
                let media = Double(frame) / 30
                let arrival = media + 0.05 + extra()
                plain.record(arrival: arrival, mediaTime: media)
                recent.record(arrival: arrival, mediaTime: media)
                frame += 1
            }
        }
        let jitter = { Double(random.next() % 41) / 1000 }  // 0…40 ms
        record(jitter, frames: 300)
        let steady = recent.variation
        #expect(abs(steady - plain.variation) < 0.006, "steady jitter: \(steady) vs \(plain.variation)")
        // A queue builds to 500 ms and drains over 1.5 s, then the old jitter again for 3.5 s.
        var spike = 0
        record({ spike += 1; return min(Double(spike), Double(45 - spike)) / 45 * 1.0 + jitter() }, frames: 45)
        #expect(recent.variation > 0.3, "during the spike both follow it")
        record(jitter, frames: 105)
        #expect(recent.variation < steady + 0.01, "3.5 s after: \(recent.variation)")
        #expect(plain.variation > 0.3, "the 95th percentile of 10 s still holds the spike: \(plain.variation)")
    }

    @Test func theAudioTargetRisesAtOnceAndFallsByAtMost20msASecond() {
        var target = AudioDelayTarget()
        var now = Duration.zero
        for index in 0..<50 {  // 1 s, steady: the 40 ms floor
            now = .milliseconds(20 * index)
            target.packetArrived(rtpTimestamp: UInt32(960 * index), arrival: now)
        }
        #expect(target.target(now: now) == .milliseconds(40))
        for index in 50..<100 {  // 1 s with every other packet 100 ms late
            now = .milliseconds(20 * index + (index % 2 == 0 ? 100 : 0))
            target.packetArrived(rtpTimestamp: UInt32(960 * index), arrival: now)
        }
        let jittery = target.target(now: now)
        #expect(jittery >= .milliseconds(115) && jittery <= .milliseconds(125), "100 ms + 20 ms at once: \(jittery)")
        var targets: [Int: Duration] = [:]
        for index in 100..<600 {  // 10 s steady again, the target read with every packet as the receiver does
            now = .milliseconds(20 * index)
            target.packetArrived(rtpTimestamp: UInt32(960 * index), arrival: now)
            targets[index] = target.target(now: now)
        }
        // The 95th percentile stays at the late packets while ≥ 13 of the 250 in the window are late: up to packet 323.
        #expect(abs((targets[323]! - jittery) / .milliseconds(1)) < 0.01, "the late packets are still in the 5 s window")
        let falling = targets[450]! / .milliseconds(1)
        #expect(falling > 67 && falling < 72, "2.5 s later, 20 ms/s down: \(falling)")
        #expect(targets[599] == .milliseconds(40), "at the floor again")
    }

    @Test func theAudioTargetStaysWithinItsBounds() {
        var target = AudioDelayTarget()
        target.packetArrived(rtpTimestamp: 0, arrival: .zero)
        target.packetArrived(rtpTimestamp: 960, arrival: .seconds(2))  // 2 s late
        #expect(target.target(now: .seconds(2)) == .milliseconds(300))
    }
}
