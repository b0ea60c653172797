import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcPipeWire

extension BrowserRoomTests {
    /// A mono 16-bit WAV of a sine at `frequency` (Chromium's fake microphone plays it in a loop).
    static func toneWAV(frequency: Double, seconds: Double = 2, sampleRate: Int = 48_000) -> Data {
        let count = Int(seconds * Double(sampleRate))
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + count * 2))
        data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16)); append(UInt16(1)); append(UInt16(1))
        append(UInt32(sampleRate)); append(UInt32(sampleRate * 2)); append(UInt16(2)); append(UInt16(16))
        data.append(contentsOf: Array("data".utf8)); append(UInt32(count * 2))
        for index in 0..<count {
            append(Int16(12_000 * sin(2 * Double.pi * frequency * Double(index) / Double(sampleRate))))
        }
        return data
    }

    /// The dominant frequency of a remote user's audio in the page, from a WebAudio analyser on its track.
    static func heardFrequency(of userId: String) -> String {
        """
        (async () => {
          const track = t.getAudioTrack({ userId: '\(userId)' });
          if (!track) return null;
          const context = new AudioContext();
          await context.resume();
          const analyser = context.createAnalyser();
          analyser.fftSize = 8192;
          context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const bins = new Float32Array(analyser.frequencyBinCount);
          analyser.getFloatFrequencyData(bins);
          let best = 0;
          for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
          const frequency = best * context.sampleRate / analyser.fftSize;
          const level = bins[best];
          await context.close();
          return { frequency, level };
        })()
        """
    }

    @Test("audio both ways: trtcd plays the browser's 1 kHz microphone on its speaker; the browser hears trtcd's 440 Hz")
    func audioBothWays() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            let tone = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-browser-tone-\(getpid()).wav")
            try Self.toneWAV(frequency: 1000).write(to: tone)
            defer { try? FileManager.default.removeItem(at: tone) }
            try await alice.startAudio(["microphone": .string(PipeWireTestEnvironment.microphoneName), "bitrate": .uint32(32)])
            try await alice.enter("alice", room: .numeric(41), server: room.server)
            try await withBrowserPage(server: room.server, flags: ["--use-file-for-fake-audio-capture=\(tone.path)"]) { page in
                try await page.evaluate(Self.setUp)
                try await Self.enter(page, userId: "web", room: 41, server: room.server)
                try await page.evaluate("t.startLocalAudio().then(() => 'on')")
                try await alice.waitFor("UserAudioAvailable") { $0 == [.string("web"), .boolean(true)] }
                #expect(try await room.pipeWire.waitForNode(named: "trtcd.remote.web.audio", present: true))

                // trtcd → its speaker: the browser's tone.
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("trtc-browser-heard-\(getpid()).wav")
                defer { try? FileManager.default.removeItem(at: file) }
                let record = try room.pipeWire.run("timeout", [
                    "-s", "INT", "2", "pw-record", "--target", "trtc-test-speaker", "-P", "{ stream.capture.sink = true }",
                    "--rate", "48000", "--channels", "1", "--format", "f32", file.path,
                ])
                #expect(record.status == 0 || record.status == 124, "pw-record: \(record.stderr)")
                let heard = try WAVFile.floatSamples(file).drop { abs($0) < 0.01 }
                #expect(heard.count > 24_000, "half a second of sound on trtcd's speaker (\(heard.count) samples)")
                let frequency = MediaPublishTests.dominantFrequency(Array(heard.prefix(24_000)), sampleRate: 48_000)
                #expect(abs(frequency - 1000) <= 5, "trtcd heard \(frequency) Hz")

                // The browser: trtcd's microphone tone on alice's remote track.
                try await page.waitForConsole(#"event web remote-audio-available {"userId":"alice"}"#)
                var result: JSONValue = .null
                try await waitUntil("alice's audio track in the page", timeout: .seconds(10), interval: .milliseconds(200)) {
                    result = try await page.evaluate(Self.heardFrequency(of: "alice"))
                    return (result.objectValue?["level"]?.doubleValue ?? -1000) > -60
                }
                let browserHeard = try #require(result.objectValue?["frequency"]?.doubleValue)
                #expect(abs(browserHeard - PipeWireTestEnvironment.microphoneFrequency) <= 10, "the browser heard \(browserHeard) Hz: \(result)")
            }
        }
    }
}
