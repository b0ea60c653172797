import Testing
import TrtcRTP

/// `ReceivedLayerWindow`: how many temporal layers reach a receiver now (Statistics' `receivedTemporalLayers`).
@Suite struct ReceivedLayerWindowTests {
    @Test("both layers: 2; after a cut to the base layer, 1 within two seconds; back up: 2 at once; no layers: 0")
    func followsWhatArrives() {
        var window = ReceivedLayerWindow()
        #expect(window.layerCount(now: .zero) == 0, "nothing yet")
        var now = Duration.zero
        func frames(_ layers: [UInt8?], for seconds: Int) {
            for _ in 0..<(seconds * 15) {
                for layer in layers { window.note(layer: layer, now: now) }
                now += .milliseconds(66)
            }
        }
        frames([0, 1], for: 3)
        #expect(window.layerCount(now: now) == 2)
        frames([0], for: 1)
        #expect(window.layerCount(now: now) == 2, "layer 1 was seen within the last two seconds")
        frames([0], for: 2)
        #expect(window.layerCount(now: now) == 1)
        frames([0, 1], for: 1)
        #expect(window.layerCount(now: now) == 2)
        #expect(window.layerCount(now: now + .seconds(3)) == 0, "nothing for three seconds")
        var plain = ReceivedLayerWindow()
        plain.note(layer: nil, now: .zero)
        #expect(plain.layerCount(now: .milliseconds(500)) == 0, "a stream without layers")
    }
}
