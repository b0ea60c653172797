import Testing
import TrtcCodecs

/// `ResolutionScaler`: the publisher's size from the encoder's QP (issue 14 §1), fed frame by frame at 30 fps.
@Suite struct ResolutionScalerTests {
    typealias Size = ResolutionScaler.Size
    static let vga = Size(width: 640, height: 480)

    /// Feeds `seconds` of frames at 30 fps from `start`; returns the actions and the time after the last frame.
    static func feed(_ scaler: inout ResolutionScaler, seconds: Double, from start: Duration, targetKbps: Int = 800,
                     ceilingKbps: Int = 800, outcome: (Int) -> ResolutionScaler.FrameOutcome) -> (actions: [ResolutionScaler.Action], end: Duration) {
        var actions: [ResolutionScaler.Action] = []
        let frames = Int(seconds * 30)
        for index in 0..<frames {
            let now = start + .milliseconds(index * 1000 / 30)
            if let action = scaler.record(outcome(index), targetKbps: targetKbps, ceilingKbps: ceilingKbps, now: now) {
                actions.append(action)
            }
        }
        return (actions, start + .milliseconds(frames * 1000 / 30))
    }

    @Test("sustained high QP scales down in 3/4, 1/2, 3/8, 1/4 steps, one per 2 s window, and never below 160 px")
    func sustainedHighQPScalesDownToTheFloor() {
        var scaler = ResolutionScaler(sourceSize: Self.vga)
        #expect(scaler.size == Self.vga)
        let (actions, _) = Self.feed(&scaler, seconds: 20, from: .seconds(100)) { _ in .encoded(qp: 110) }
        #expect(actions == [
            .scaleDown(to: Size(width: 480, height: 360)), .scaleDown(to: Size(width: 320, height: 240)),
            .scaleDown(to: Size(width: 240, height: 180)), .scaleDown(to: Size(width: 160, height: 120)),
        ])
        #expect(scaler.size == Size(width: 160, height: 120))
    }

    @Test("the floor: 1/4 of a wide source, nothing below 160 px wide, no scaling of a source narrower than that")
    func floorsFollowTheSourceWidth() {
        var hd = ResolutionScaler(sourceSize: Size(width: 1280, height: 720))
        _ = Self.feed(&hd, seconds: 30, from: .zero) { _ in .dropped }
        #expect(hd.size == Size(width: 320, height: 180))

        var small = ResolutionScaler(sourceSize: Size(width: 320, height: 240))
        _ = Self.feed(&small, seconds: 30, from: .zero) { _ in .dropped }
        #expect(small.size == Size(width: 160, height: 120), "1/2 is the last step of 320 px that keeps 160")

        var tiny = ResolutionScaler(sourceSize: Size(width: 160, height: 120))
        let (actions, _) = Self.feed(&tiny, seconds: 10, from: .zero) { _ in .encoded(qp: 127) }
        #expect(actions.isEmpty && tiny.size == Size(width: 160, height: 120))
    }

    @Test("frames rate control drops count as the worst QP: half of them dropped at QP 70 averages 98.5 and scales down; 60 % dropped scales down whatever the QP")
    func droppedFramesCountAsHighQP() {
        var halfDropped = ResolutionScaler(sourceSize: Self.vga)
        let (first, _) = Self.feed(&halfDropped, seconds: 2.1, from: .zero) { $0 % 2 == 0 ? .dropped : .encoded(qp: 70) }
        #expect(first == [.scaleDown(to: Size(width: 480, height: 360))])

        var mostlyDropped = ResolutionScaler(sourceSize: Self.vga)
        let (second, _) = Self.feed(&mostlyDropped, seconds: 2.1, from: .zero) { $0 % 5 < 3 ? .dropped : .encoded(qp: 2) }
        #expect(second == [.scaleDown(to: Size(width: 480, height: 360))])

        var fewDropped = ResolutionScaler(sourceSize: Self.vga)
        let (third, _) = Self.feed(&fewDropped, seconds: 10, from: .zero) { $0 % 10 == 0 ? .dropped : .encoded(qp: 60) }
        #expect(third.isEmpty, "10 % dropped at QP 60 averages 66.7: no change")
    }

    @Test("sustained low QP scales up one step per decision, only with the bitrate for the larger size and 5 s after the last change")
    func sustainedLowQPScalesUpWithBitrateRoom() {
        var scaler = ResolutionScaler(sourceSize: Self.vga)
        let (down, afterDown) = Self.feed(&scaler, seconds: 4.1, from: .zero) { _ in .encoded(qp: 120) }
        #expect(down.count == 2 && scaler.size == Size(width: 320, height: 240))

        // Low QP, but the target leaves no room for 480×360 (0.9 × 800 × 9/16 = 405 kbit/s): it stays.
        let (starved, afterStarved) = Self.feed(&scaler, seconds: 8, from: afterDown, targetKbps: 300) { _ in .encoded(qp: 20) }
        #expect(starved.isEmpty && scaler.size == Size(width: 320, height: 240))

        // With room: up one step at the next window's end.
        let (up, afterUp) = Self.feed(&scaler, seconds: 2.1, from: afterStarved, targetKbps: 450) { _ in .encoded(qp: 20) }
        #expect(up == [.scaleUp(to: Size(width: 480, height: 360))])

        // Back to the full size only with (nearly) the application's bitrate, and not within 5 s of the last change.
        let (early, afterEarly) = Self.feed(&scaler, seconds: 4.5, from: afterUp, targetKbps: 800) { _ in .encoded(qp: 20) }
        #expect(early.isEmpty, "within 5 s of the last change: \(early)")
        let (full, _) = Self.feed(&scaler, seconds: 2.1, from: afterEarly, targetKbps: 800) { _ in .encoded(qp: 20) }
        #expect(full == [.scaleUp(to: Self.vga)])
        #expect(scaler.size == Self.vga)
    }

    @Test("hysteresis: QP between the thresholds changes nothing, in either direction; neither does a short spike in a calm window")
    func betweenTheThresholdsNothingChanges() {
        var scaler = ResolutionScaler(sourceSize: Self.vga)
        let (atFull, _) = Self.feed(&scaler, seconds: 20, from: .zero) { .encoded(qp: 30 + $0 % 65) }
        #expect(atFull.isEmpty && scaler.size == Self.vga)

        // One window in six with a burst of 10 frames at QP 127 (a key frame, a scene cut): the mean stays below 95.
        let (spikes, _) = Self.feed(&scaler, seconds: 12, from: .seconds(20)) { $0 % 180 < 10 ? .encoded(qp: 127) : .encoded(qp: 40) }
        #expect(spikes.isEmpty && scaler.size == Self.vga)

        var scaled = ResolutionScaler(sourceSize: Self.vga)
        let (down, afterDown) = Self.feed(&scaled, seconds: 2.1, from: .zero) { _ in .dropped }
        #expect(down.count == 1)
        let (held, _) = Self.feed(&scaled, seconds: 20, from: afterDown, targetKbps: 800) { .encoded(qp: 30 + $0 % 65) }
        #expect(held.isEmpty && scaled.size == Size(width: 480, height: 360), "with every bit of room, QP 30–94 does not scale up")
    }

    @Test("a window needs 2 s and 30 frames: 29 frames of QP 127 over 5.6 s decide nothing, the 30th does")
    func aWindowNeedsEnoughFrames() {
        var scaler = ResolutionScaler(sourceSize: Self.vga)
        for index in 0..<29 {
            #expect(scaler.record(.encoded(qp: 127), targetKbps: 800, ceilingKbps: 800, now: .milliseconds(index * 200)) == nil)
        }
        #expect(scaler.record(.encoded(qp: 127), targetKbps: 800, ceilingKbps: 800, now: .milliseconds(29 * 200))
            == .scaleDown(to: Size(width: 480, height: 360)))
    }
}
