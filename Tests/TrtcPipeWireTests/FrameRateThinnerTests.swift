import Testing
import TrtcMediaTestSupport
@testable import TrtcPipeWire

/// `FrameRateThinner` without PipeWire: a source at the asked rate loses nothing, faster sources are thinned to it.
struct FrameRateThinnerTests {
    /// Arrival times of `count` frames every `interval` ms, each early or late by up to `jitter` ms.
    static func arrivals(count: Int, every interval: Double, jitter: Double, seed: UInt64 = 5) -> [Duration] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { index in
            let offset = (random.unit() * 2 - 1) * jitter
            return .microseconds(Int64((Double(index) * interval + offset + 1000) * 1000))
        }
    }

    static func kept(_ times: [Duration], fps: Int) -> Int {
        var thinner = FrameRateThinner(framesPerSecond: fps)
        return times.filter { thinner.keep(at: $0) }.count
    }

    @Test("a source at exactly the asked 30 fps keeps every frame while its scheduling jitter stays within a quarter interval (±1, ±5, ±8 ms), whatever the first frame's phase")
    func exactRateKeepsEverything() {
        for jitter in [1.0, 5.0, 8.0] {
            for seed: UInt64 in 1...5 {
                #expect(Self.kept(Self.arrivals(count: 300, every: 1000.0 / 30, jitter: jitter, seed: seed), fps: 30) == 300,
                        "jitter ±\(jitter) ms, seed \(seed)")
            }
        }
    }

    @Test("faster sources are thinned to the asked rate in the long run: 46.9 Hz (the test graph's clock) and 60 fps to 30, 30 to 15")
    func fasterSourcesAreThinned() {
        // 10 s of each.
        #expect((299...301).contains(Self.kept(Self.arrivals(count: 469, every: 1000.0 / 46.875, jitter: 2), fps: 30)))
        #expect((299...301).contains(Self.kept(Self.arrivals(count: 600, every: 1000.0 / 60, jitter: 2), fps: 30)))
        #expect((149...151).contains(Self.kept(Self.arrivals(count: 300, every: 1000.0 / 30, jitter: 2), fps: 15)))
        // Never more than the rate allows over any stretch: 30 fps asked from a 120 fps source, 1 s.
        var thinner = FrameRateThinner(framesPerSecond: 30)
        let times = Self.arrivals(count: 120, every: 1000.0 / 120, jitter: 0)
        #expect(times.filter { thinner.keep(at: $0) }.count <= 31)
    }

    @Test("a source that stalls restarts the schedule at its next frame")
    func stallRestarts() {
        var thinner = FrameRateThinner(framesPerSecond: 30)
        let kept = [0, 33, 500, 505, 533].map { thinner.keep(at: .milliseconds($0)) }
        #expect(kept == [true, true, true, false, true], "kept after the stall at 500 ms; 505 too early after it")
    }
}
