import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcPipeWire

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
            try await withBrowserPage(server: room.server, path: "/demo#" + fragment) { page in
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
