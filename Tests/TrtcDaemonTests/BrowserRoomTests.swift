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
            try await withBrowserPage(server: room.server) { page in
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
