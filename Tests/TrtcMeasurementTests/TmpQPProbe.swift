import Testing
import TrtcCodecs
import TrtcMeasurement

@Suite struct TmpQPProbe {
    @Test func probe() throws {
        for (w, h, kbps) in [(640, 480, 800), (640, 480, 200), (480, 360, 200), (320, 240, 200), (320, 240, 800)] {
            let scene = try SyntheticScene(width: w, height: h)
            let encoder = try VP8Encoder(configuration: VP8EncoderConfiguration(width: w, height: h, framesPerSecond: 30, bitrateKbps: kbps))
            var qps: [Int] = []
            var drops = 0
            var bytes = 0
            let clock = ContinuousClock()
            var drawing = Duration.zero
            for i in 0..<150 {
                var picture = scene.picture(0)
                drawing += clock.measure { picture = scene.picture(UInt32(i), timestamp: .milliseconds(i * 33)) }
                let out = try encoder.encode(picture)
                if out.isEmpty { drops += 1 } else { qps.append(encoder.statistics.lastQP); bytes += out.reduce(0) { $0 + $1.data.count } }
            }
            let tail = qps.suffix(90)
            print("\(w)x\(h)@\(kbps): mean QP (last 90) \(tail.reduce(0, +) / max(tail.count, 1)), drops \(drops), kbps \(bytes * 8 / 5 / 1000), draw \(drawing / 150) qps \(qps.suffix(20))")
        }
    }
}
