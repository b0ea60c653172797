import Foundation
import Testing
import TrtcHarness
import TrtcHarnessTesting


@testable import TrtcPipeWire

@Suite(.pipeWireTestEnvironment, .serialized)
struct PipeWireAudioCaptureTests {
    let environment = PipeWireTestEnvironment.current!

    /// Power of `frequency` in `samples` (Goertzel filter).
    static func power(of frequency: Double, in samples: [Float], sampleRate: Double) -> Double {
        let coefficient = 2 * cos(2 * Double.pi * frequency / sampleRate)
        var previous = 0.0
        var beforePrevious = 0.0
        for sample in samples {
            let current = Double(sample) + coefficient * previous - beforePrevious
            beforePrevious = previous
            previous = current
        }
        return previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
    }

    @Test func capturesTheTestToneAt48kHzMono() async throws {
        let loop = try PipeWireLoop(name: "trtcd-test-audio", remote: environment.socketPath)
        let capture = try AudioCapture(loop: loop, options: AudioCaptureOptions(microphone: PipeWireTestEnvironment.microphoneName))
        defer { capture.stop() }
        #expect(capture.device.name == PipeWireTestEnvironment.microphoneName)

        let events = await capture.events.collect(timeout: .seconds(5)) { events in
            events.reduce(0) { total, event in
                if case .frame(let frame) = event { total + frame.frameCount } else { total }
            } >= 9_600  // 0.2 s
                || events.contains { if case .stopped = $0 { true } else { false } }
        }
        let frames = events.compactMap { if case .frame(let frame) = $0 { frame } else { nil } }
        #expect(frames.allSatisfy { $0.sampleRate == 48_000 && $0.channels == 1 })
        #expect(frames.map(\.timestamp) == frames.map(\.timestamp).sorted())
        // Skip the first buffers, which may hold the stream's start-up silence.
        let samples = Array(frames.dropFirst(2).flatMap(\.samples))
        try #require(samples.count >= 4_800)
        let rms = sqrt(samples.reduce(0) { $0 + Double($1 * $1) } / Double(samples.count))
        #expect(rms > 0.1, "the test tone is missing (rms \(rms))")
        #expect(samples.allSatisfy { abs($0) <= 1 }, "the test tone clips")

        // Dominant frequency over 100…2000 Hz in 10 Hz steps.
        let candidates = stride(from: 100.0, through: 2_000.0, by: 10.0)
        let dominant = candidates.max {
            Self.power(of: $0, in: samples, sampleRate: 48_000) < Self.power(of: $1, in: samples, sampleRate: 48_000)
        }!
        #expect(abs(dominant - PipeWireTestEnvironment.microphoneFrequency) <= 10, "dominant frequency \(dominant) Hz")
    }

    @Test func missingMicrophoneIsDeviceUnavailable() throws {
        let loop = try PipeWireLoop(name: "trtcd-test-audio", remote: environment.socketPath)
        let error = #expect(throws: PipeWireError.self) {
            _ = try AudioCapture(loop: loop, options: AudioCaptureOptions(microphone: "no-such-microphone"))
        }
        guard case .deviceUnavailable(let message) = error else {
            Issue.record("expected deviceUnavailable, got \(String(describing: error))")
            return
        }
        #expect(message.contains("no-such-microphone"))
    }
}
