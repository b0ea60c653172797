import Testing
@testable import TrtcMeasurement

/// Freezes, frame rate and latency of what a viewer read, without I/O.
struct ReceivedVideoTests {
    static func steady(count: Int, from start: Duration = .zero, every interval: Duration = .milliseconds(33),
                       firstId: UInt32 = 0, latency: Duration = .milliseconds(40)) -> [ReceivedPicture] {
        (0..<count).map { index in
            let read = start + interval * index
            return ReceivedPicture(frameId: firstId + UInt32(index), captureTime: read - latency, readTime: read)
        }
    }

    @Test("steady 30 fps: no freeze; a 500 ms gap is one freeze of 500 ms; a 120 ms gap is none (< average + 150 ms)")
    func freezes() {
        var counter = FreezeCounter()
        for picture in Self.steady(count: 60) { counter.rendered(at: picture.readTime) }
        #expect(counter.freezes == 0)
        var time = Duration.milliseconds(33 * 59)
        time += .milliseconds(120)
        let shortGapFroze = counter.rendered(at: time)
        #expect(!shortGapFroze)
        time += .milliseconds(500)
        let longGapFroze = counter.rendered(at: time)
        #expect(longGapFroze)
        #expect(counter.freezes == 1)
        #expect(counter.frozenTime == .milliseconds(500))
    }

    @Test("the first five gaps are never freezes (no average yet)")
    func noAverageYet() {
        var counter = FreezeCounter()
        for time in [0, 33, 2000, 2033, 2066] { counter.rendered(at: .milliseconds(time)) }
        #expect(counter.freezes == 0)
    }

    @Test("a window: pictures before it are history, a stall spanning its start counts in it, repeats are stale")
    func window() {
        var pictures = Self.steady(count: 30)  // 0 … 957 ms, ids 0…29
        pictures += Self.steady(count: 60, from: .milliseconds(1_800), firstId: 40)  // after a 843 ms gap
        pictures.append(ReceivedPicture(frameId: 50, captureTime: .milliseconds(3_000), readTime: .milliseconds(3_700)))
        let summary = ReceivedVideoSummary(pictures, window: .milliseconds(1_000)..<(.milliseconds(4_000)))
        #expect(summary.pictures == 60)
        #expect(summary.stale == 1)
        #expect(summary.freezes == 1)
        #expect(summary.frozenTime == .milliseconds(843))
        #expect(summary.latency.percentile(0.5) == .milliseconds(40))
        #expect(summary.idsMissing == 0)
        #expect(abs(summary.framesPerSecond - 20) < 0.01)
    }

    @Test("nearest-rank percentiles")
    func percentiles() {
        let values = DurationPercentiles((1...100).map { Duration.milliseconds($0) })
        #expect(values.percentile(0.5) == .milliseconds(50))
        #expect(values.percentile(0.95) == .milliseconds(95))
        #expect(values.percentile(0.99) == .milliseconds(99))
        #expect(DurationPercentiles([]).percentile(0.5) == nil)
    }
}
