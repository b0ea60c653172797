import Foundation
import Testing
import TrtcCodecs
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting
import TrtcNetLab
import TrtcPipeWire

extension BrowserRoomTests {
    /// A 320×240 picture whose 8×4 blocks (40×60 pixels each) spell `stamp`'s 32 bits, most significant first,
    /// white for 1 and black for 0.
    static func stampedPicture(_ stamp: UInt32) throws -> I420Frame {
        var frame = try I420Frame(width: 320, height: 240)
        for bit in 0..<32 where stamp >> (31 - UInt32(bit)) & 1 == 1 {
            let (column, row) = (bit % 8, bit / 8)
            for y in row * 60..<(row + 1) * 60 {
                for x in column * 40..<(column + 1) * 40 { frame.y[y * frame.strideY + x] = 235 }
            }
        }
        return frame
    }

    /// In the page: for `count` decoded frames of the remote video, reads the stamp from the picture and returns
    /// `Date.now()` at presentation minus the stamp (ms), sorted.
    static func readStamps(count: Int) -> String {
        """
        new Promise((resolve) => {
          const video = document.querySelector('#remote video');
          const canvas = document.createElement('canvas');
          canvas.width = 320; canvas.height = 240;
          const context = canvas.getContext('2d', { willReadFrequently: true });
          const delays = [];
          const onFrame = () => {
            const now = Date.now();
            context.drawImage(video, 0, 0, 320, 240);
            const data = context.getImageData(0, 0, 320, 240).data;
            let stamp = 0;
            for (let bit = 0; bit < 32; bit++) {
              const x = (bit % 8) * 40 + 20, y = Math.floor(bit / 8) * 60 + 30;
              const i = (y * 320 + x) * 4;
              stamp = (stamp * 2 + ((data[i] + data[i + 1] + data[i + 2]) / 3 > 128 ? 1 : 0)) >>> 0;
            }
            const delay = ((now % 4294967296) - stamp + 4294967296) % 4294967296;
            if (delay < 10000) delays.push(delay);
            if (delays.length >= \(count)) resolve(delays.sort((a, b) => a - b)); else video.requestVideoFrameCallback(onFrame);
          };
          video.requestVideoFrameCallback(onFrame);
        })
        """
    }

    @Test("glass-to-glass trtcd → browser: a stamped camera (the time in its pixels) read back from the browser's canvas")
    func glassToGlass() async throws {
        let delays = try await Self.glassToGlassToBrowser(label: "trtcd → browser")
        #expect(delays[delays.count / 2] > 0 && delays[delays.count / 2] < 1000, "stamps read back: \(delays)")
    }

    @Test("glass-to-glass trtcd → browser through the network lab: the browser's link delayed 40 ms each way with 2 % loss down")
    func glassToGlassImpaired() async throws {
        let delays = try await Self.glassToGlassToBrowser(label: "trtcd → browser, impaired",
                                                          impairment: (uplink: "delay=40ms", downlink: "delay=40ms,loss=2%"))
        let median = delays[delays.count / 2]
        #expect(median >= 40 && median < 1000, "at least the link's 40 ms: \(delays)")
    }

    /// trtcd publishes a stamped camera; the page reads 90 stamps back. With `impairment` (network lab profiles) the
    /// browser's media goes through an `ImpairmentRelay` (its namespace's media port forwarded to the relay).
    /// Returns the delays (ms), sorted.
    static func glassToGlassToBrowser(label: String, impairment: (uplink: String, downlink: String)? = nil) async throws -> [Double] {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            let socket = try #require(room.pipeWire.exports["PIPEWIRE_RUNTIME_DIR"]) + "/pipewire-0"
            let loop = try PipeWireLoop(name: "stamped-camera", remote: socket)
            let camera = try VideoSource(loop: loop, nodeName: "trtc-stamped-camera", description: "stamped camera",
                                         width: 320, height: 240, fps: 30)
            defer { camera.stop() }
            return try await withThrowingTaskGroup(of: Void.self, returning: [Double].self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        let now = UInt64(Date().timeIntervalSince1970 * 1000)
                        try camera.push(try Self.stampedPicture(UInt32(truncatingIfNeeded: now)))
                        try await Task.sleep(for: .milliseconds(33))
                    }
                }
                try await alice.startVideo([
                    "camera": .string("trtc-stamped-camera"), "width": .uint32(320), "height": .uint32(240),
                    "fps": .uint32(30), "bitrate": .uint32(600),
                ])
                try await alice.enter("alice", room: .numeric(91), server: room.server)
                let measure = { @Sendable (mediaVia: Int?) async throws -> [Double] in
                    try await withBrowserPage(server: room.server, mediaVia: mediaVia) { page in
                        try await page.evaluate(Self.setUp)
                        try await Self.enter(page, userId: "web", room: 91, server: room.server)
                        try await waitUntil("alice's video in the page", timeout: .seconds(20), interval: .milliseconds(100)) {
                            try await page.evaluate(Self.probe) != .null
                        }
                        try await Task.sleep(for: .seconds(1))
                        guard case .array(let values) = try await page.evaluate(Self.readStamps(count: 90)) else {
                            throw TestFailure("no stamps read")
                        }
                        return values.compactMap(\.doubleValue)
                    }
                }
                let delays: [Double]
                if let impairment {
                    delays = try await withImpairmentRelay(port: try BrowserPage.mediaPort(of: room.server),
                                                           uplink: try ImpairmentProfile(parsing: impairment.uplink),
                                                           downlink: try ImpairmentProfile(parsing: impairment.downlink), seed: 15) { relay in
                        try await measure(relay.port)
                    }
                } else {
                    delays = try await measure(nil)
                }
                group.cancelAll()
                #expect(delays.count == 90)
                guard delays.count >= 10 else { throw TestFailure("\(delays.count) stamps read") }
                let median = delays[delays.count / 2], p90 = delays[delays.count * 9 / 10]
                print("glass-to-glass \(label): median \(Int(median)) ms, p90 \(Int(p90)) ms, min \(Int(delays.first ?? 0)) ms, max \(Int(delays.last ?? 0)) ms")
                return delays
            }
        }
    }
}

extension BrowserRoomTests {
    /// In the page: a 320×240 canvas whose 8×4 blocks spell `Date.now()` (low 32 bits), redrawn every 33 ms, published
    /// as a custom capture (`startLocalVideo({ option: { videoTrack } })`).
    static let stampedCanvas = """
        (() => {
          const canvas = document.createElement('canvas');
          canvas.width = 320; canvas.height = 240;
          const context = canvas.getContext('2d');
          const draw = () => {
            const stamp = Date.now() % 4294967296;
            for (let bit = 0; bit < 32; bit++) {
              context.fillStyle = Math.floor(stamp / 2 ** (31 - bit)) % 2 === 1 ? '#fff' : '#000';
              context.fillRect((bit % 8) * 40, Math.floor(bit / 8) * 60, 40, 60);
            }
          };
          draw();
          setInterval(draw, 33);
          const [videoTrack] = canvas.captureStream(30).getVideoTracks();
          return t.startLocalVideo({ option: { videoTrack } }).then(() => 'stamping');
        })()
        """

    @Test("glass-to-glass browser → trtcd: a stamped canvas published with option.videoTrack, read back from trtcd's remote node")
    func glassToGlassFromBrowser() async throws {
        let delays = try await Self.glassToGlassFromBrowser(label: "browser → trtcd")
        #expect(delays[delays.count / 2] > 0 && delays[delays.count / 2] < 1000, "stamps read back: \(delays)")
    }

    @Test("glass-to-glass browser → trtcd through the network lab: the browser's link delayed 40 ms each way with 2 % loss up")
    func glassToGlassFromBrowserImpaired() async throws {
        let delays = try await Self.glassToGlassFromBrowser(label: "browser → trtcd, impaired",
                                                            impairment: (uplink: "delay=40ms,loss=2%", downlink: "delay=40ms"))
        let median = delays[delays.count / 2]
        #expect(median >= 40 && median < 1000, "at least the link's 40 ms: \(delays)")
    }

    /// The page publishes a stamped canvas; trtcd's remote node is read and 90 stamps decoded. With `impairment`
    /// (network lab profiles) the browser's media goes through an `ImpairmentRelay`. Returns the delays (ms), sorted.
    static func glassToGlassFromBrowser(label: String, impairment: (uplink: String, downlink: String)? = nil) async throws -> [Double] {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.enter("alice", room: .numeric(92), server: room.server)
            var relay: ImpairmentRelay?
            if let impairment {
                relay = try await ImpairmentRelay.start(port: try BrowserPage.mediaPort(of: room.server),
                                                        uplink: try ImpairmentProfile(parsing: impairment.uplink),
                                                        downlink: try ImpairmentProfile(parsing: impairment.downlink), seed: 16)
            }
            do {
                let delays = try await Self.readStampsAtTrtcd(room: room, alice: alice, mediaVia: relay?.port, label: label)
                try? await relay?.close()
                return delays
            } catch {
                try? await relay?.close()
                throw error
            }
        }
    }

    /// The stamped canvas published by a page whose media goes to `mediaVia` (or the server), read back at `alice`.
    static func readStampsAtTrtcd(room: MediaRoom, alice: RoomClient, mediaVia: Int?, label: String) async throws -> [Double] {
        try await withBrowserPage(server: room.server, mediaVia: mediaVia) { page in
            try await page.evaluate(Self.setUp)
            try await Self.enter(page, userId: "web", room: 92, server: room.server)
            #expect(try await page.evaluate(Self.stampedCanvas) == .string("stamping"))
            try await alice.waitFor("UserVideoAvailable") { $0 == [.string("web"), .boolean(true)] }
            _ = try await alice.call("StartRemoteVideo", [.string("web"), .string("main")])
            let socket = try #require(room.pipeWire.exports["PIPEWIRE_RUNTIME_DIR"]) + "/pipewire-0"
            let loop = try PipeWireLoop(name: "stamp-reader", remote: socket)
            let capture = try VideoCapture(loop: loop, options: VideoCaptureOptions(camera: "trtcd.remote.web.main", width: 320, height: 240, fps: 30))
            defer { capture.stop() }
            // Each frame's delay is taken as it arrives; the whole read is bounded.
            var delays = try await within(30) { () async -> [Double] in
                var delays: [Double] = []
                for await event in capture.events {
                    guard case .frame(let frame) = event, frame.width == 320, frame.height == 240 else { continue }
                    let now = UInt64(Date().timeIntervalSince1970 * 1000)
                    var stamp: UInt32 = 0
                    for bit in 0..<32 {
                        let (x, y) = ((bit % 8) * 40 + 20, (bit / 8) * 60 + 30)
                        stamp = stamp << 1 | (frame.y[y * frame.strideY + x] > 128 ? 1 : 0)
                    }
                    let delay = Double(UInt32(truncatingIfNeeded: now) &- stamp)
                    if delay < 10_000 { delays.append(delay) }
                    if delays.count >= 90 { break }
                }
                return delays
            }
            delays.sort()
            #expect(delays.count == 90)
            guard delays.count == 90 else { throw TestFailure("\(delays.count) stamps read") }
            let median = delays[45], p90 = delays[81]
            print("glass-to-glass \(label): median \(Int(median)) ms, p90 \(Int(p90)) ms, min \(Int(delays[0])) ms, max \(Int(delays[89])) ms")
            return delays
        }
    }
}
