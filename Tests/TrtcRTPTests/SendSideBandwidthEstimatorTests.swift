import Testing
@testable import TrtcRTP

/// The estimator against a simulated bottleneck: a sender pacing packets at the estimate, a FIFO link of a given
/// capacity with a 300 ms drop-tail queue and 50 ms one-way delay each way, and the receiver's feedback every 50 ms
/// (`TransportFeedbackGenerator`, the code trtc-server runs). Deterministic, no I/O: 1 ms steps.
@Suite struct SendSideBandwidthEstimatorTests {
    struct SimulatedLink {
        var capacity: (Duration) -> Int
        let oneWay = Duration.milliseconds(50)
        let maximumQueue = Duration.milliseconds(300)
        var estimator: SendSideBandwidthEstimator
        var generator = TransportFeedbackGenerator()
        var linkFree = Duration.zero
        var inFlight: [(arrival: Duration, sequence: UInt16)] = []
        var feedbackInFlight: [(due: Duration, feedback: RTCPTransportFeedback)] = []
        var sequence: UInt16 = 0
        var budgetBits = 0.0
        var sentBits = 0
        var dropped = 0
        var maximumQueueDelay = Duration.zero
        /// (time, target) every 100 ms.
        var trace: [(time: Duration, target: Int)] = []

        init(start: Int, maximum: Int = 2_500_000, capacity: @escaping (Duration) -> Int) {
            self.capacity = capacity
            estimator = SendSideBandwidthEstimator(limits: .init(minimum: 50_000, maximum: maximum), start: start)
        }

        /// Runs until `end`; a packet is 1200 bytes.
        mutating func run(until end: Duration) {
            var now = trace.last.map { $0.time } ?? .zero
            while now < end {
                now += .milliseconds(1)
                budgetBits = min(budgetBits + Double(estimator.target) / 1000, 1200 * 8 * 4)
                while budgetBits >= 1200 * 8 {
                    budgetBits -= 1200 * 8
                    estimator.packetSent(sequence, size: 1200, at: now)
                    sentBits += 1200 * 8
                    // The bottleneck: serialised at the capacity of the moment, dropped if the queue is full.
                    let start = max(now, linkFree)
                    if start - now > maximumQueue {
                        dropped += 1
                    } else {
                        linkFree = start + .microseconds(Int64(1200 * 8 * 1_000_000 / capacity(now)))
                        maximumQueueDelay = max(maximumQueueDelay, linkFree - now)
                        inFlight.append((linkFree + oneWay, sequence))
                    }
                    sequence &+= 1
                }
                while let first = inFlight.first, first.arrival <= now {
                    generator.record(first.sequence, arrival: first.arrival)
                    inFlight.removeFirst()
                }
                for feedback in generator.tick(now: now, senderSSRC: 0, mediaSSRC: 1) {
                    feedbackInFlight.append((now + oneWay, feedback))
                }
                while let first = feedbackInFlight.first, first.due <= now {
                    estimator.feedbackReceived(first.feedback, now: now)
                    feedbackInFlight.removeFirst()
                }
                if trace.last.map({ now - $0.time >= .milliseconds(100) }) ?? true { trace.append((now, estimator.target)) }
            }
        }

        func averageTarget(from: Duration, to: Duration) -> Int {
            let window = trace.filter { $0.time >= from && $0.time < to }
            return window.reduce(0) { $0 + $1.target } / max(window.count, 1)
        }
    }

    /// libwebrtc's goog_cc unit test: on a 500 kbit/s link the estimate reaches 450 ± 100 kbit/s within 25 s.
    @Test func convergesToA500KbitLink() {
        var link = SimulatedLink(start: 300_000) { _ in 500_000 }
        link.run(until: .seconds(30))
        let at25 = link.trace.first { $0.time >= .seconds(25) }!.target
        #expect((350_000...550_000).contains(at25), "\(link.trace.map { $0.target / 1000 })")
        let late = link.trace.filter { $0.time >= .seconds(25) }.map(\.target)
        #expect(late.allSatisfy { (300_000...600_000).contains($0) }, "\(late)")
        // The queue did not stay full: the delay detector acted before drop-tail did most of the work.
        #expect(link.dropped < 200, "\(link.dropped) drops")
    }

    /// From a 1 Mbit/s link dropping to 400 kbit/s: the estimate is under the new capacity within 5 s, and finds
    /// a 1 Mbit/s capacity again after it returns.
    @Test func backsOffAfterACapacityDropAndRecovers() {
        var link = SimulatedLink(start: 300_000) { now in
            now < .seconds(20) || now >= .seconds(40) ? 1_000_000 : 400_000
        }
        link.run(until: .seconds(60))
        let before = link.averageTarget(from: .seconds(15), to: .seconds(20))
        #expect((700_000...1_100_000).contains(before), "\(link.trace.map { $0.target / 1000 })")
        let afterDrop = link.trace.filter { $0.time >= .seconds(25) && $0.time < .seconds(40) }.map(\.target)
        #expect(afterDrop.allSatisfy { $0 <= 440_000 }, "\(link.trace.map { $0.target / 1000 })")
        #expect(link.averageTarget(from: .seconds(30), to: .seconds(40)) >= 280_000, "\(link.trace.map { $0.target / 1000 })")
        let recovered = link.averageTarget(from: .seconds(55), to: .seconds(60))
        #expect(recovered >= 700_000, "\(link.trace.map { $0.target / 1000 })")
    }

    /// Losses without a queue (a lossy radio link): above 10 % the loss-based limit cuts the target; at 1 % and 5 %
    /// it does not.
    @Test func lossBasedControl() {
        func run(lossEvery: Int) -> Int {
            var estimator = SendSideBandwidthEstimator(limits: .init(minimum: 50_000, maximum: 1_000_000), start: 1_000_000)
            var generator = TransportFeedbackGenerator()
            var now = Duration.zero
            var sequence: UInt16 = 0
            for _ in 0..<200 {  // 10 s of 50 ms feedback intervals, 5 packets each, no queue
                for _ in 0..<5 {
                    estimator.packetSent(sequence, size: 1200, at: now)
                    if Int(sequence) % lossEvery != 0 { generator.record(sequence, arrival: now + .milliseconds(50)) }
                    sequence &+= 1
                    now += .milliseconds(10)
                }
                for feedback in generator.tick(now: now, senderSSRC: 0, mediaSSRC: 1) {
                    estimator.feedbackReceived(feedback, now: now + .milliseconds(50))
                }
            }
            return estimator.target
        }
        #expect(run(lossEvery: 100) == 1_000_000)
        #expect(run(lossEvery: 20) == 1_000_000, "5 %: held")
        #expect(run(lossEvery: 8) == 1_000_000, "12.5 %: the link's own loss, held")
        #expect(run(lossEvery: 4) < 500_000)
    }

    /// The pacer's budget: a 30-packet burst at 400 kbit/s leaves in 5 ms steps at 2.5× the rate, not at once.
    @Test func pacingSpreadsABurst() {
        var budget = PacingBudget(targetBitsPerSecond: 400_000)
        var now = Duration.seconds(1)
        _ = budget.canSend(now: now)
        var departures: [Duration] = []
        var waiting = 30
        while waiting > 0 {
            if budget.canSend(now: now) {
                budget.spend(1200, now: now)
                departures.append(now)
                waiting -= 1
            } else {
                now = max(budget.nextSend(now: now), now + .microseconds(100))
            }
        }
        // 36,000 bytes at 125,000 bytes/s: ~288 ms (less the first interval's allowance and one packet of overdraw).
        let span = departures.last! - departures.first!
        #expect(span >= .milliseconds(270) && span <= .milliseconds(290), "\(span)")
        // No 5 ms holds more than 625 bytes' allowance plus one packet's overdraw.
        for (index, departure) in departures.enumerated() {
            let inWindow = departures[index...].prefix { $0 - departure < .milliseconds(5) }.count
            #expect(inWindow <= 2, "\(inWindow) packets within 5 ms from \(departure)")
        }
    }
}
