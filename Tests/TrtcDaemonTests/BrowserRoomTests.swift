import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcDBus
import TrtcHarness
import TrtcPipeWire
import TrtcRTP

/// A real browser in trtc-server's rooms with trtcd (docs/browsers.md): headless Chromium with its fake camera and
/// microphone runs JavaScript that uses only /sdk/trtc.js's documented API.
@Suite("Browsers: headless Chromium with /sdk/trtc.js and trtcd in one room", .serialized)
struct BrowserRoomTests {
    /// Loads the SDK into the page and makes `window.t`, a TRTC instance whose events are logged to the console as
    /// `event <name> <payload JSON>`; `window.remote` is the view remote videos go into.
    static let setUp = """
        (async () => {
          const { default: TRTC } = await import('/sdk/trtc.js');
          window.TRTC = TRTC;
          window.makeClient = (label) => {
            const trtc = TRTC.create();
            for (const name of Object.values(TRTC.EVENT)) {
              if (name === TRTC.EVENT.STATISTICS || name === TRTC.EVENT.NETWORK_QUALITY) continue;
              trtc.on(name, (payload) => console.log(`event ${label} ${name} ${JSON.stringify(payload)}`));
            }
            return trtc;
          };
          window.t = makeClient('web');
          const view = document.createElement('div');
          view.id = 'remote';
          document.body.appendChild(view);
          t.on(TRTC.EVENT.REMOTE_VIDEO_AVAILABLE, ({ userId, streamType }) => t.startRemoteVideo({ userId, streamType, view: 'remote' }));
          return 'ready';
        })()
        """

    /// Samples the remote video element: size, mean brightness, distinct colours and a hash of the pixels.
    static let probe = """
        (() => {
          const video = document.querySelector('#remote video');
          if (!video || video.videoWidth === 0) return null;
          const canvas = document.createElement('canvas');
          canvas.width = video.videoWidth;
          canvas.height = video.videoHeight;
          const context = canvas.getContext('2d');
          context.drawImage(video, 0, 0);
          const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
          let sum = 0, samples = 0, hash = 0;
          const colours = new Set();
          for (let i = 0; i < data.length; i += 4 * 7) {
            sum += data[i] + data[i + 1] + data[i + 2];
            samples += 1;
            colours.add((data[i] >> 4) << 8 | (data[i + 1] >> 4) << 4 | (data[i + 2] >> 4));
            hash = (Math.imul(hash, 31) + data[i] + data[i + 1] * 7 + data[i + 2] * 13) >>> 0;
          }
          return { width: canvas.width, height: canvas.height, mean: sum / samples / 3, colours: colours.size, hash };
        })()
        """

    static func enter(_ page: BrowserPage, client: String = "t", userId: String, room: UInt32, server: ServerProcess) async throws {
        let userSig = UserSig.generate(sdkAppId: server.sdkAppId, userId: userId, secretKey: server.secretKey)
        try await page.evaluate("""
            \(client).enterRoom({ sdkAppId: \(server.sdkAppId), userId: '\(userId)', userSig: '\(userSig)', roomId: \(room) }).then(() => 'entered')
            """)
    }

    @Test("browser + trtcd: each sees the other enter; the browser's camera decoded on trtcd's remote node, trtcd's camera in the browser's <video> (non-black, changing)")
    func videoBothWays() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo([
                "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240),
                "fps": .uint32(15), "bitrate": .uint32(300),
            ])
            try await alice.enter("alice", room: .numeric(21), server: room.server)
            try await withBrowserPage(url: room.server.httpBase + "/demo") { page in
                #expect(try await page.evaluate(Self.setUp) == .string("ready"))
                try await Self.enter(page, userId: "web", room: 21, server: room.server)
                try await page.evaluate("t.startLocalVideo().then(() => t.startLocalAudio()).then(() => 'on')")
                // Each sees the other.
                try await page.waitForConsole(#"event web remote-user-enter {"userId":"alice"}"#)
                try await page.waitForConsole(#"event web remote-video-available {"userId":"alice","streamType":"main"}"#)
                try await alice.waitFor("RemoteUserEnterRoom") { $0 == [.string("web")] }
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("web"), .boolean(true)] }

                // The browser's camera, decoded by trtcd into its remote node, read by an independent PipeWire client.
                let reply = try await alice.call("StartRemoteVideo", [.string("web"), .string("main")])
                let nodeId = try #require(reply.first?.uint32)
                let socket = try #require(room.pipeWire.exports["PIPEWIRE_RUNTIME_DIR"]) + "/pipewire-0"
                let loop = try PipeWireLoop(name: "browser-video-viewer", remote: socket)
                let node = "trtcd.remote.web.main"
                #expect(try room.pipeWire.nodeId(named: node) == Int(nodeId))
                let capture = try VideoCapture(loop: loop, options: VideoCaptureOptions(camera: node, width: 640, height: 480, fps: 15))
                let events = await capture.events.collect(timeout: .seconds(20)) { events in
                    events.count { if case .frame = $0 { true } else { false } } >= 10
                }
                capture.stop()
                let frames = events.compactMap { if case .frame(let frame) = $0 { frame } else { nil } }
                if frames.count < 10 {
                    let statistics = try await alice.property("Statistics")
                    let metrics = try await room.server.metricsText().split(separator: "\n")
                        .filter { $0.hasPrefix("trtc_media_") && !$0.hasSuffix(" 0") }
                    if let recorded = try room.recorded(user: "web", payloadType: 96) {
                        var depacketizer = VP8Depacketizer()
                        var delivered: [ReassembledVP8Frame] = []
                        var failures: [String] = []
                        for packet in recorded.packets {
                            do { delivered += try depacketizer.insert(packet) } catch { failures.append("\(error)") }
                        }
                        let heads = recorded.packets.prefix(6).map { "m\($0.marker) seq\($0.sequenceNumber) ts\($0.timestamp) ext\($0.headerExtension != nil) \($0.payload.prefix(8).map { String($0, radix: 16) })" }
                        Issue.record("recorded \(recorded.packets.count) packets: \(delivered.count) frames, \(delivered.filter(\.isKeyframe).count) key, failures \(failures.prefix(3)), heads \(heads)")
                    }
                    Issue.record("few decoded frames of the browser's camera: \(events.prefix(5)); \(statistics); \(metrics); trtcd: \(room.daemons[0].logTail(6000))")
                }
                #expect(frames.count >= 10, "decoded frames of the browser's camera on trtcd's node")
                for frame in frames { #expect(Set(frame.y).count > 8, "a picture, not the black placeholder") }
                if let first = frames.first, let last = frames.last { #expect(first.y != last.y, "the picture changes") }

                // trtcd's camera in the browser's <video>: non-black, changing.
                var samples: [JSONValue] = []
                try await waitUntil("trtcd's video decoded in the browser", timeout: .seconds(20), interval: .milliseconds(200)) {
                    let sample = try await page.evaluate(Self.probe)
                    if sample != .null { samples.append(sample) }
                    return samples.count >= 2 && samples.first != samples.last
                }
                let first = try #require(samples.first?.objectValue)
                #expect(first["width"] == .integer(320) && first["height"] == .integer(240))
                #expect((first["mean"]?.doubleValue ?? 0) > 10, "not black: \(first)")
                #expect((first["colours"]?.doubleValue ?? 0) > 8, "a picture: \(first)")
                #expect(samples.first?.objectValue?["hash"] != samples.last?.objectValue?["hash"], "changing pixels")
            }
        }
    }
}

extension BrowserRoomTests {
    @Test("kicks reach the browser as KICKED_OUT and end its camera and microphone: RemoveUser 'banned', DismissRoom 'room_disband', the same userId elsewhere 'kick'; exitRoom: trtcd sees the leave")
    func kicks() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            let api = try ServerAPIClient(endpoint: room.server.endpoint, secretId: room.server.secretId,
                                          secretKey: room.server.apiSecretKey, trust: room.server.trust)
            let sdkAppId = JSONValue.integer(Int64(room.server.sdkAppId))
            try await alice.enter("alice", room: .numeric(31), server: room.server)
            try await withBrowserPage(url: room.server.httpBase + "/demo") { page in
                try await page.evaluate(Self.setUp)
                let startMedia = "t.startLocalVideo().then(() => t.startLocalAudio()).then(() => { window.tracks = [t.getVideoTrack(), t.getAudioTrack()]; return tracks.map((track) => track.readyState).join(); })"
                let trackStates = "tracks.map((track) => track.readyState).join()"

                // RemoveUser → 'banned'; trtcd sees the user removed (reason 2).
                try await Self.enter(page, userId: "web", room: 31, server: room.server)
                #expect(try await page.evaluate(startMedia) == .string("live,live"))
                try await alice.waitFor("RemoteUserEnterRoom") { $0 == [.string("web")] }
                _ = try await api.call("RemoveUser", .object(["SdkAppId": sdkAppId, "RoomId": .integer(31), "UserIds": .array([.string("web")])]))
                try await page.waitForConsole(#"event web kicked-out {"reason":"banned""#)
                try await alice.waitFor("RemoteUserLeaveRoom") { $0 == [.string("web"), .int32(2)] }
                #expect(try await page.evaluate(trackStates) == .string("ended,ended"))
                try await page.waitForConsole(#"event web connection-state-changed {"prevState":"CONNECTED","state":"DISCONNECTED"}"#)

                // DismissRoom → 'room_disband' at the browser, ExitRoom(2) at trtcd.
                alice.clear()
                try await Self.enter(page, userId: "web", room: 31, server: room.server)
                #expect(try await page.evaluate(startMedia) == .string("live,live"))
                _ = try await api.call("DismissRoom", .object(["SdkAppId": sdkAppId, "RoomId": .integer(31)]))
                try await page.waitForConsole(#"event web kicked-out {"reason":"room_disband""#)
                try await alice.waitFor("ExitRoom") { $0 == [.int32(2)] }
                #expect(try await page.evaluate(trackStates) == .string("ended,ended"))

                // The same userId entering from another client → 'kick' at the first; trtcd sees no leave.
                try await alice.enter("alice", room: .numeric(32), server: room.server)
                alice.clear()
                try await Self.enter(page, userId: "web", room: 32, server: room.server)
                #expect(try await page.evaluate(startMedia) == .string("live,live"))
                try await alice.waitFor("RemoteUserEnterRoom") { $0 == [.string("web")] }
                try await page.evaluate("window.second = makeClient('second'); 'made'")
                try await Self.enter(page, client: "second", userId: "web", room: 32, server: room.server)
                try await page.waitForConsole(#"event web kicked-out {"reason":"kick""#)
                #expect(try await page.evaluate(trackStates) == .string("ended,ended"))
                try await Task.sleep(for: .milliseconds(300))
                #expect(!alice.roomSignals.contains { $0.member == "RemoteUserLeaveRoom" }, "\(alice.roomSignals)")

                // exitRoom: trtcd sees the user leave (reason 0); the second client's camera is stopped.
                #expect(try await page.evaluate("second.startLocalVideo().then(() => { window.secondTrack = second.getVideoTrack(); return secondTrack.readyState; })") == .string("live"))
                try await page.evaluate("second.exitRoom().then(() => secondTrack.readyState)")
                try await alice.waitFor("RemoteUserLeaveRoom") { $0 == [.string("web"), .int32(0)] }
                #expect(try await page.evaluate("secondTrack.readyState") == .string("ended"))
            }
        }
    }
}

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
            try await withBrowserPage(url: room.server.httpBase + "/demo", flags: ["--use-file-for-fake-audio-capture=\(tone.path)"]) { page in
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

extension BrowserRoomTests {
    /// Where screenshots are kept for CI: `$TRTC_TEST_ARTIFACTS`, else `.build/test-artifacts` of the repository.
    static var artifacts: URL {
        if let directory = ProcessInfo.processInfo.environment["TRTC_TEST_ARTIFACTS"], !directory.isEmpty {
            return URL(fileURLWithPath: directory)
        }
        return BuiltProducts.repositoryRoot.appendingPathComponent(".build/test-artifacts")
    }

    @Test("/demo: entering with its own form (a test UserSig made in the page) shows trtcd's camera in a tile; the screenshot is kept; join → first remote picture measured")
    func demoPage() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo([
                "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240),
                "fps": .uint32(15), "bitrate": .uint32(300),
            ])
            try await alice.enter("alice", room: .numeric(51), server: room.server)
            let fragment = "sdkAppId=\(room.server.sdkAppId)&secretKey=\(room.server.secretKey)&userId=web&roomId=51"
            try await withBrowserPage(url: room.server.httpBase + "/demo#" + fragment) { page in
                // The demo's own Enter button; the page times entering → alice's first decoded frame in her tile.
                try await page.evaluate("""
                    (() => {
                      window.enterClicked = performance.now();
                      document.getElementById('enter').click();
                      return 'clicked';
                    })()
                    """)
                try await alice.waitFor("RemoteUserEnterRoom") { $0 == [.string("web")] }
                var tile: JSONValue = .null
                try await waitUntil("alice's tile shows video", timeout: .seconds(20), interval: .milliseconds(20)) {
                    tile = try await page.evaluate("""
                        (() => {
                          const video = document.querySelector('.tile[data-user-id="alice"] video');
                          if (!video || video.videoWidth === 0) return null;
                          window.firstPicture = window.firstPicture || performance.now();
                          return { width: video.videoWidth, height: video.videoHeight, ms: window.firstPicture - window.enterClicked };
                        })()
                        """)
                    return tile != .null
                }
                #expect(tile.objectValue?["width"] == .integer(320) && tile.objectValue?["height"] == .integer(240))
                let sample = try await page.evaluate(Self.probe.replacingOccurrences(of: "#remote video", with: ".tile[data-user-id=\\\"alice\\\"] video"))
                #expect((sample.objectValue?["mean"]?.doubleValue ?? 0) > 10 && (sample.objectValue?["colours"]?.doubleValue ?? 0) > 8,
                        "a decoded picture in the tile: \(sample)")
                let joinToPicture = tile.objectValue?["ms"]?.doubleValue ?? -1
                print("browser join → first remote picture: \(Int(joinToPicture)) ms")
                #expect(joinToPicture > 0 && joinToPicture < 10_000)

                try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
                let shot = Self.artifacts.appendingPathComponent("demo-with-trtcd.png")
                try await page.screenshot(to: shot)
                let png = try Data(contentsOf: shot)
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 10_000, "\(png.count) bytes")
                #expect(try await page.evaluate("document.getElementById('log').textContent.includes('entered room 51 as web')") == .bool(true))
            }
        }
    }
}

extension BrowserRoomTests {
    /// `{code, extraCode}` of what `call` rejects with, or 'resolved'.
    static func rejection(_ call: String) -> String {
        "(\(call)).then(() => 'resolved', (error) => `${error.name} ${error.code} ${error.extraCode}`)"
    }

    @Test("the SDK's errors carry TRTC's codes; mute is seen by trtcd; stopRemoteVideo removes the picture; a second exitRoom is refused")
    func apiSurface() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo([
                "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240),
                "fps": .uint32(15), "bitrate": .uint32(300),
            ])
            try await alice.enter("alice", room: .numeric(61), server: room.server)
            let app = room.server.sdkAppId
            try await withBrowserPage(url: room.server.httpBase + "/demo") { page in
                try await page.evaluate(Self.setUp)
                #expect(try await page.evaluate(Self.rejection("t.enterRoom({ sdkAppId: \(app), userId: 'web', userSig: 's', roomId: 0 })"))
                        == .string("RtcError 5000 5012"))
                #expect(try await page.evaluate(Self.rejection("t.enterRoom({ sdkAppId: \(app), userId: 'web', userSig: 's' })"))
                        == .string("RtcError 5000 5015"))
                #expect(try await page.evaluate(Self.rejection("t.startRemoteVideo({ userId: 'alice', view: 'remote' })"))
                        == .string("RtcError 5100 5101"))
                // A UserSig for another user: the server's -100018 as SERVER_ERROR.
                let otherSig = UserSig.generate(sdkAppId: app, userId: "someone", secretKey: room.server.secretKey)
                #expect(try await page.evaluate(Self.rejection("t.enterRoom({ sdkAppId: \(app), userId: 'web', userSig: '\(otherSig)', roomId: 61 })"))
                        == .string("RtcError 5400 -100018"))

                try await Self.enter(page, userId: "web", room: 61, server: room.server)
                #expect(try await page.evaluate(Self.rejection("t.startRemoteVideo({ userId: 'nobody', view: 'remote' })"))
                        == .string("RtcError 5100 5102"))
                #expect(try await page.evaluate(Self.rejection("t.startRemoteVideo({ userId: 'alice', streamType: 'sub', view: 'remote' })"))
                        == .string("RtcError 5100 5103"))
                // Mute and unmute reach trtcd as the user's video availability.
                try await page.evaluate("t.startLocalVideo().then(() => 'on')")
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("web"), .boolean(true)] }
                alice.clear()
                try await page.evaluate("t.updateLocalVideo({ mute: true }).then(() => 'muted')")
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("web"), .boolean(false)] }
                #expect(try await page.evaluate("t.getVideoTrack().readyState") == .string("live"), "muting keeps the camera open")
                alice.clear()
                try await page.evaluate("t.updateLocalVideo({ mute: false }).then(() => 'unmuted')")
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("web"), .boolean(true)] }

                // alice's video shows (the setUp starts it when available), and stopRemoteVideo takes it away.
                try await waitUntil("alice's video in the page", timeout: .seconds(20), interval: .milliseconds(100)) {
                    try await page.evaluate(Self.probe) != .null
                }
                try await page.evaluate("t.stopRemoteVideo({ userId: 'alice' }).then(() => 'stopped')")
                #expect(try await page.evaluate("document.querySelectorAll('#remote video').length") == .integer(0))
                try await page.evaluate("t.exitRoom().then(() => 'out')")
                #expect(try await page.evaluate(Self.rejection("t.exitRoom()")) == .string("RtcError 5100 5101"))
                try await alice.waitFor("RemoteUserLeaveRoom") { $0 == [.string("web"), .int32(0)] }
            }
        }
    }
}

extension BrowserRoomTests {
    @Test("two browsers in one room through the SFU: each decodes the other's camera")
    func browserToBrowser() async throws {
        try await withDaemonRoom(users: 0) { room in
            let server = room.server
            try await withBrowserPage(url: server.httpBase + "/demo") { first in
                try await withBrowserPage(url: server.httpBase + "/demo") { second in
                    for (page, userId) in [(first, "web1"), (second, "web2")] {
                        try await page.evaluate(Self.setUp)
                        try await Self.enter(page, userId: userId, room: 71, server: server)
                        try await page.evaluate("t.startLocalVideo().then(() => 'on')")
                    }
                    for page in [first, second] {
                        var samples: [JSONValue] = []
                        try await waitUntil("the other browser's video", timeout: .seconds(20), interval: .milliseconds(200)) {
                            let sample = try await page.evaluate(Self.probe)
                            if sample != .null { samples.append(sample) }
                            return samples.count >= 2 && samples.first?.objectValue?["hash"] != samples.last?.objectValue?["hash"]
                        }
                        let sample = try #require(samples.last?.objectValue)
                        #expect((sample["mean"]?.doubleValue ?? 0) > 10 && (sample["colours"]?.doubleValue ?? 0) > 2, "\(sample)")
                    }
                }
            }
        }
    }
}

extension BrowserRoomTests {
    @Test("live scene: a browser audience member is unseen and watches trtcd's anchor; switchRole('anchor') makes it seen and published")
    func liveAudience() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo([
                "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240),
                "fps": .uint32(15), "bitrate": .uint32(300),
            ])
            try await alice.enter("alice", room: .numeric(81), server: room.server, extra: ["scene": .string("live"), "role": .string("anchor")])
            try await withBrowserPage(url: room.server.httpBase + "/demo") { page in
                try await page.evaluate(Self.setUp)
                let userSig = UserSig.generate(sdkAppId: room.server.sdkAppId, userId: "web", secretKey: room.server.secretKey)
                try await page.evaluate("""
                    t.enterRoom({ sdkAppId: \(room.server.sdkAppId), userId: 'web', userSig: '\(userSig)', roomId: 81, scene: 'live', role: 'audience' })
                      .then(() => t.startLocalVideo()).then(() => 'audience')
                    """)
                // The audience watches the anchor.
                try await waitUntil("alice's video in the audience's page", timeout: .seconds(20), interval: .milliseconds(200)) {
                    try await page.evaluate(Self.probe) != .null
                }
                try await Task.sleep(for: .milliseconds(500))
                #expect(!alice.roomSignals.contains { $0.member == "RemoteUserEnterRoom" }, "an audience member is not announced")
                #expect(try await room.metric("trtc_media_dropped_total{reason=\"not-publishing\"}") ?? 0 == 0,
                        "an audience member's camera is not sent")
                // Anchor: seen, and its camera published.
                try await page.evaluate("t.switchRole('anchor').then(() => 'anchor')")
                try await alice.waitFor("RemoteUserEnterRoom") { $0 == [.string("web")] }
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("web"), .boolean(true)] }
            }
        }
    }
}
