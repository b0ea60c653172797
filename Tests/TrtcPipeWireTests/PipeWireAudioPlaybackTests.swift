import Foundation
import Synchronization
import Testing
import TrtcHarness
import TrtcHarnessTesting


@testable import TrtcPipeWire
import TrtcMediaTestSupport

/// An `AudioPlayback` stream in a real PipeWire: linked to the default sink (the test speaker, a null sink), and what
/// the sink plays — recorded from its monitor with pw-record — is the tone that was queued.
@Suite(.pipeWireTestEnvironment, .serialized)
struct PipeWireAudioPlaybackTests {
    let environment = PipeWireTestEnvironment.current!

    @Test func queuedToneIsPlayedOnTheDefaultSinkAndStopRemovesTheStream() async throws {
        let loop = try PipeWireLoop(name: "trtcd-test-playback", remote: environment.socketPath)
        let name = "trtcd.remote.tester.audio"
        let playback = try AudioPlayback(loop: loop, nodeName: name, description: "test remote audio")
        let nodeId = try #require(playback.nodeId)

        // 660 Hz in 20 ms packets at real-time pace, as a remote sender's decoded Opus would arrive.
        let feeding = Atomic<Bool>(true)
        let feeder = Thread {
            var position = 0
            while feeding.load(ordering: .relaxed) {
                playback.enqueue(Tone.sine(frequency: 660, count: 960, startingAt: position))
                position += 960
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        feeder.start()
        defer { feeding.store(false, ordering: .relaxed) }

        // Linked by the session manager to the test speaker.
        var linked = false
        for _ in 0..<50 where !linked {
            let objects = try environment.dump()
            let speaker = objects.first { $0.isNode && $0.properties["node.name"] == PipeWireTestEnvironment.speakerName }
            linked = objects.contains { $0.isLink && $0.linkEnds?.output == Int(nodeId) && $0.linkEnds?.input == speaker?.id }
            if !linked { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(linked, "the playback stream is linked to the default sink")
        let node = try #require(try environment.dump().first { $0.isNode && $0.id == Int(nodeId) })
        #expect(node.properties["media.role"] == "Communication")
        #expect(node.properties["media.class"] == "Stream/Output/Audio")

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-playback-\(getpid()).wav")
        defer { try? FileManager.default.removeItem(at: file) }
        let record = try environment.run("timeout", [
            "-s", "INT", "1.5", "pw-record", "--target", PipeWireTestEnvironment.speakerName,
            "-P", "{ stream.capture.sink = true }", "--rate", "48000", "--channels", "1", "--format", "f32", file.path,
        ])
        #expect(record.status == 0 || record.status == 124, "pw-record: \(record.stderr)")
        let recorded = try WAVFile.floatSamples(file)
        let loud = recorded.drop { abs($0) < 0.01 }
        #expect(loud.count > 24_000, "half a second of sound recorded (\(recorded.count) samples, \(loud.count) after the first sound)")
        #expect(abs(Tone.dominantFrequency(in: Array(loud.prefix(24_000)), range: 100...2000) - 660) <= 5)
        let statistics = playback.playbackStatistics
        #expect(statistics.samplesPlayed > 24_000)

        feeding.store(false, ordering: .relaxed)
        playback.stop()
        #expect(playback.nodeId == nil)
        #expect(try environment.dump().contains { $0.isNode && $0.properties["node.name"] == name } == false)
    }

    @Test func playbackWaitsForTheTargetDelayAndShrinksTowardsItSlowly() async throws {
        let loop = try PipeWireLoop(name: "trtcd-test-playback-target", remote: environment.socketPath)
        let playback = try AudioPlayback(loop: loop, nodeName: "trtcd.remote.target.audio", description: "test remote audio")
        defer { playback.stop() }
        // 80 ms queued with a 100 ms target: nothing plays yet.
        playback.enqueue(Tone.sine(frequency: 440, count: 3840, startingAt: 0), targetDelaySamples: 4800)
        try await Task.sleep(for: .milliseconds(400))
        #expect(playback.playbackStatistics.samplesPlayed == 0, "waits for the target")
        #expect(playback.playbackStatistics.targetSamples == 4800)
        // 400 ms more with the target down to 40 ms: it plays, and skips 10 ms at most every 500 ms while too much is queued.
        playback.enqueue(Tone.sine(frequency: 440, count: 19_200, startingAt: 3840), targetDelaySamples: 1920)
        try await waitUntil("the queue played out", timeout: .seconds(3)) { playback.playbackStatistics.silenceSamples > 0 }
        let statistics = playback.playbackStatistics
        #expect(statistics.started)
        #expect(statistics.samplesSkipped > 0 && statistics.samplesSkipped <= 480 * 2, "\(statistics.samplesSkipped) skipped")
        #expect(statistics.samplesPlayed + statistics.samplesSkipped == 23_040, "every sample played or skipped: \(statistics)")
        // Targets are kept within 40–300 ms.
        playback.enqueue([], targetDelaySamples: 1)
        #expect(playback.playbackStatistics.targetSamples == playback.prebufferSamples)
        playback.enqueue([], targetDelaySamples: 48_000)
        #expect(playback.playbackStatistics.targetSamples == playback.maximumTargetSamples)
    }
}
