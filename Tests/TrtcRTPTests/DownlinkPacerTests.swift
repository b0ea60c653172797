import Testing
import TrtcRTP

/// `DownlinkPacer`: the SFU's per-receiver pacing of a narrow downlink.
@Suite struct DownlinkPacerTests {
    /// Calls `due` whenever the pacer asks, from `start` until it is empty: what left, and when.
    static func drain(_ pacer: inout DownlinkPacer<Int>, from start: Duration) -> [(element: Int, at: Duration)] {
        var now = start
        var departures: [(Int, Duration)] = []
        while true {
            let (send, next) = pacer.due(now: now)
            departures += send.map { ($0, now) }
            guard let next else { return departures }
            #expect(next > now)
            now = next
        }
    }

    /// Sends 25 packets of 1,200 bytes (a 30 KB key frame) at once into a pacer at `rate`, then drains it.
    static func keyFrame(rate: Int?) -> (immediately: Int, departures: [Duration]) {
        var pacer = DownlinkPacer<Int>()
        pacer.setRate(bitsPerSecond: rate)
        var immediately = 0
        var departures: [Duration] = []
        for index in 0..<25 where pacer.enqueue(index, bytes: 1200, now: .zero) != nil {
            immediately += 1
            departures.append(.zero)
        }
        departures += drain(&pacer, from: .zero).map(\.at)
        return (immediately, departures)
    }

    @Test func unpacedEverythingLeavesAtOnce() {
        let (immediately, departures) = Self.keyFrame(rate: nil)
        #expect(immediately == 25 && departures.allSatisfy { $0 == .zero })
    }

    @Test func aKeyFrameLeavesAtTheRateInOrder() {
        let (immediately, departures) = Self.keyFrame(rate: 300_000)
        #expect(immediately == 1, "the first packet goes at once, the rest wait")
        #expect(departures.count == 25)
        // 30,000 bytes at 37,500 bytes/s: the last leaves after ~0.77 s (the first one's 1,200 bytes are debt).
        let last = departures.last! / .milliseconds(1)
        #expect(last > 700 && last < 850, "\(last) ms")
    }

    @Test func theQueueHoldsAtMostTwoSecondsOfTheRate() {
        var pacer = DownlinkPacer<Int>()
        pacer.setRate(bitsPerSecond: 96_000)  // 12,000 bytes/s
        for index in 0..<40 { _ = pacer.enqueue(index, bytes: 1000, now: .zero) }
        #expect(pacer.queuedBytes <= 24_000)
        #expect(pacer.dropped == 40 - 1 - 24, "the first left, 24 wait, the oldest others were dropped")
        #expect(pacer.queueDelay == .seconds(2))
        let sent = Self.drain(&pacer, from: .seconds(10)).map(\.element)
        #expect(sent == Array(16..<40), "the newest are kept, in order: \(sent)")
        #expect(pacer.queueDelay == .zero)
    }

    @Test func removeAllDropsWhatWaits() {
        var pacer = DownlinkPacer<Int>()
        pacer.setRate(bitsPerSecond: 96_000)
        for index in 0..<5 { _ = pacer.enqueue(index, bytes: 1000, now: .zero) }
        #expect(pacer.removeAll { _ in true } == 4 && pacer.isEmpty && pacer.queuedBytes == 0 && pacer.dropped == 4)
        #expect(pacer.enqueue(9, bytes: 1000, now: .seconds(1)) == 9, "an empty pacer with budget sends at once")
    }

    @Test func clearingTheRateDrainsTheQueueFirst() {
        var pacer = DownlinkPacer<Int>()
        pacer.setRate(bitsPerSecond: 96_000)
        for index in 0..<5 { _ = pacer.enqueue(index, bytes: 1000, now: .zero) }
        pacer.setRate(bitsPerSecond: nil)
        #expect(pacer.enqueue(5, bytes: 1000, now: .zero) == nil, "behind the waiting ones, not ahead of them")
        let sent = Self.drain(&pacer, from: .seconds(1)).map(\.element)
        #expect(sent == [1, 2, 3, 4, 5])
        #expect(pacer.enqueue(6, bytes: 1000, now: .seconds(5)) == 6, "empty and no rate: not paced any more")
    }
}
