import Testing
import TrtcNetLab

/// The impairment model without sockets: determinism, and each part measured against what it promises.
@Suite struct ImpairedLinkTests {
    static func verdicts(_ profile: ImpairmentProfile, seed: UInt64, packets: Int = 2000, every gap: Duration = .milliseconds(10),
                         bytes: Int = 1000) -> [ImpairedLink.Verdict] {
        var link = ImpairedLink(profile, seed: seed)
        return (0..<packets).map { link.send(bytes: bytes, at: gap * $0) }
    }

    @Test func theSameSeedGivesTheSameDecisionsAndAnotherSeedOthers() {
        let profile = try! ImpairmentProfile(parsing: "delay=40ms,jitter=10ms,reorder,loss=5%,burst=3")
        #expect(Self.verdicts(profile, seed: 7) == Self.verdicts(profile, seed: 7))
        #expect(Self.verdicts(profile, seed: 7) != Self.verdicts(profile, seed: 8))
    }

    @Test func lossAndJitterDrawFromSeparateStreams() {
        // Which packets are lost does not depend on the jitter's settings.
        func lost(_ text: String) -> [Int] {
            Self.verdicts(try! ImpairmentProfile(parsing: text), seed: 3).enumerated().compactMap { $0.element == .drop(.loss) ? $0.offset : nil }
        }
        #expect(lost("loss=10%") == lost("loss=10%,jitter=30ms,delay=5ms"))
        #expect(!lost("loss=10%").isEmpty)
    }

    @Test func randomLossHitsItsRate() {
        let verdicts = Self.verdicts(.init(loss: .random(0.05)), seed: 1, packets: 20_000)
        let rate = Double(verdicts.filter { $0 == .drop(.loss) }.count) / 20_000
        #expect(abs(rate - 0.05) < 0.006, "\(rate)")
    }

    @Test func burstyLossHasItsRateAndBurstLength() {
        let model = GilbertElliottLoss.bursty(averageLoss: 0.05, meanBurstLength: 4)
        #expect(abs(model.averageLoss - 0.05) < 1e-9)
        let lost = Self.verdicts(.init(loss: model), seed: 2, packets: 50_000).map { $0 == .drop(.loss) }
        let rate = Double(lost.filter { $0 }.count) / Double(lost.count)
        var bursts = 0
        for index in lost.indices where lost[index] && (index == 0 || !lost[index - 1]) { bursts += 1 }
        let meanBurst = Double(lost.filter { $0 }.count) / Double(bursts)
        #expect(abs(rate - 0.05) < 0.01, "\(rate)")
        #expect(abs(meanBurst - 4) < 0.5, "\(meanBurst)")
    }

    @Test func delayAndJitterWithoutReorderingKeepOrder() {
        let verdicts = Self.verdicts(try! ImpairmentProfile(parsing: "delay=50ms,jitter=20ms"), seed: 4, every: .milliseconds(2))
        var times: [Duration] = []
        for case .deliver(let at) in verdicts { times.append(at) }
        #expect(times.count == verdicts.count)
        #expect(times == times.sorted(), "no packet overtakes an earlier one")
        let delays = times.enumerated().map { ($0.element - .milliseconds(2) * $0.offset) / .milliseconds(1) }
        let mean = delays.reduce(0, +) / Double(delays.count)
        // Keeping order holds a packet behind a slower predecessor, which raises the mean (74 ms with this seed).
        #expect(mean > 50 && mean < 80, "mean one-way delay \(mean) ms")
        #expect(delays.min()! >= 0)
    }

    @Test func reorderingIsAllowedWhenAsked() {
        let verdicts = Self.verdicts(try! ImpairmentProfile(parsing: "delay=50ms,jitter=20ms,reorder"), seed: 4, every: .milliseconds(2))
        var times: [Duration] = []
        for case .deliver(let at) in verdicts { times.append(at) }
        let overtaken = zip(times, times.dropFirst()).filter { $0.0 > $0.1 }.count
        #expect(overtaken > 100, "\(overtaken) of \(times.count) packets arrive before their predecessor")
    }

    @Test func capacitySerialisesAndTheQueueDropsTail() {
        // 1 Mbit/s, 1000-byte packets (+28 overhead): 8.224 ms each. 10 packets at once: the 10th leaves after 82 ms.
        var link = ImpairedLink(.init(bitsPerSecond: 1_000_000, queueLimit: .packets(10)), seed: 1)
        var departures: [Duration] = []
        for _ in 0..<12 {
            if case .deliver(let at) = link.send(bytes: 1000, at: .zero) { departures.append(at) }
        }
        #expect(departures.count == 10)
        #expect(link.statistics.dropped[.queue] == 2)
        #expect(departures.last! == .nanoseconds(8_224_000 * 10))
        // Offered 2 Mbit/s for 2 s: about 1 Mbit/s gets through.
        var busy = ImpairedLink(.init(bitsPerSecond: 1_000_000, queueLimit: .bytes(30_000)), seed: 1)
        var last = Duration.zero
        for index in 0..<500 {
            if case .deliver(let at) = busy.send(bytes: 1000, at: .milliseconds(4) * index) { last = at }
        }
        let throughput = Double(busy.statistics.bytesDelivered + 28 * busy.statistics.delivered) * 8 / (last / .seconds(1))
        #expect(busy.statistics.dropped[.queue, default: 0] > 200)
        #expect(abs(throughput - 1_000_000) < 60_000, "\(throughput) bit/s")
    }

    @Test("queue=300ms: the queue holds 300 ms at every rate of a schedule (37.5 KB at 1 Mbit/s, 22.5 KB at 600 kbit/s)")
    func aQueueLimitInTimeFollowsTheRate() throws {
        let profile = try ImpairmentProfile(parsing: "rates=0s:1mbit/10s:600kbit,queue=300ms")
        #expect(profile.queueLimit == .delay(.milliseconds(300)))
        for (start, rate) in [(Duration.zero, 1_000_000), (.seconds(10), 600_000)] {
            var link = ImpairedLink(profile, seed: 1)
            // 100 packets of 1000 bytes on the wire at once: those that would wait more than 300 ms are dropped.
            var waits: [Duration] = []
            for _ in 0..<100 {
                if case .deliver(let at) = link.send(bytes: 972, at: start) { waits.append(at - start) }
            }
            let fits = 300_000_000 / (8_000 * 1_000_000_000 / rate)  // packets that leave within 300 ms
            #expect(waits.count == fits, "at \(rate) bit/s: \(waits.count) kept, \(fits) fit")
            #expect(waits.max()! <= .milliseconds(300) && waits.max()! > .milliseconds(290))
        }
    }

    @Test func capacityFollowsItsSchedule() {
        let profile = try! ImpairmentProfile(parsing: "rates=0s:1mbit/1s:250kbit,queue=1000pkt")
        var link = ImpairedLink(profile, seed: 1)
        var firstSecond = 0
        var secondSecond = 0
        for index in 0..<400 {
            // 200 packets/s of 972 bytes (1000 with overhead): 1.6 Mbit/s offered.
            if case .deliver(let at) = link.send(bytes: 972, at: .milliseconds(5) * index) {
                if at < .seconds(1) { firstSecond += 1 } else if at < .seconds(2) { secondSecond += 1 }
            }
        }
        #expect(firstSecond == 124, "1 Mbit/s: a packet of 8000 bits every 8 ms; the 125th leaves at 1.000 s")
        #expect((30...33).contains(secondSecond), "250 kbit/s: ~31 packets, got \(secondSecond)")
    }

    @Test func outagesLoseEverythingInTheirWindowOnly() {
        var link = ImpairedLink(try! ImpairmentProfile(parsing: "outage=1s+2s"), seed: 1)
        let verdicts = (0..<400).map { link.send(bytes: 100, at: .milliseconds(10) * $0) }
        let dropped = verdicts.enumerated().filter { $0.element == .drop(.outage) }.map(\.offset)
        #expect(dropped == Array(100..<300))
        link.addOutage(start: .seconds(5), duration: .milliseconds(100))
        #expect(link.send(bytes: 100, at: .milliseconds(5050)) == .drop(.outage))
        #expect(link.send(bytes: 100, at: .milliseconds(5100)) == .deliver(at: .milliseconds(5100)))
    }

    @Test func theCompactFormIsReadAndMistakesAreRefused() throws {
        let profile = try ImpairmentProfile(parsing: "delay=50ms, jitter=5ms, loss=2%, rate=1.5mbit, queue=64kb, outage=3s+2s")
        #expect(profile.delay == .milliseconds(50) && profile.jitter == .milliseconds(5))
        #expect(profile.loss == .random(0.02))
        #expect(profile.capacity == [.init(from: .zero, bitsPerSecond: 1_500_000)])
        #expect(profile.queueLimit == .bytes(64_000))
        #expect(profile.outages == [.init(start: .seconds(3), duration: .seconds(2))])
        #expect(try ImpairmentProfile(parsing: "") == .clean)
        for bad in ["delay=50", "loss=5", "rate=fast", "queue=10", "outage=3s", "colour=blue", "loss=100%"] {
            #expect(throws: ImpairmentParseError.self, "\(bad)") { try ImpairmentProfile(parsing: bad) }
        }
    }
}
