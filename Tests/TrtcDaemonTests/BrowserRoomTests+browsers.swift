import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcPipeWire

extension BrowserRoomTests {
    @Test("two browsers in one room through the SFU: each decodes the other's camera")
    func browserToBrowser() async throws {
        try await withDaemonRoom(users: 0) { room in
            let server = room.server
            try await withBrowserPage(server: server) { first in
                try await withBrowserPage(server: server) { second in
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
