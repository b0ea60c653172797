import Foundation
import Logging
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting

extension BrowserRoomTests {
    /// Records every SDP the page sends (its size, `m=` sections and wanted streams) in `window.offers`; run before the
    /// SDK opens its connection.
    static let recordOffers = """
        (() => {
          window.offers = [];
          const send = WebSocket.prototype.send;
          WebSocket.prototype.send = function (data) {
            const message = JSON.parse(data);
            if (message.sdp) {
              offers.push({ bytes: data.length, sections: message.sdp.split('\\r\\n').filter((line) => line.startsWith('m=')).length,
                            streams: (message.streams || []).length });
            }
            return send.call(this, data);
          };
          return 'recording';
        })()
        """

    /// A signaling-only member publishing video and audio: enters, stays `stay`, leaves (and waits for the ack, so
    /// the others see it leave now rather than after the departure timeout).
    static func visit(_ server: ServerProcess, userId: String, room: UInt32, stay: Duration) async throws {
        let userSig = UserSig.generate(sdkAppId: server.sdkAppId, userId: userId, secretKey: server.secretKey, expire: 600)
        let left = try await SignalingClient.withConnection(server: server.url, tls: server.trust, logger: Logger(label: "visitor")) { channel in
            channel.send(.enter(EnterRequest(seq: 1, sdkAppId: server.sdkAppId, userId: userId, userSig: userSig,
                                             room: .numeric(room), video: true, audio: true)))
            return try await within(30) { () -> Bool in
                for try await message in channel.messages {
                    switch message {
                    case .entered:
                        try await Task.sleep(for: stay)
                        channel.send(.leave(seq: 2))
                    case .ack(seq: 2): return true
                    case .error(let error): throw TestFailure("\(userId): \(error)")
                    default: continue
                    }
                }
                return false
            }
        }
        guard left else { throw TestFailure("\(userId) did not enter and leave") }
    }

    @Test("a long call with 150 comers and goers (waves of 15 publishers, signaling only): receiving sections are reused, the offer stays at the peak's size, far under the 16 KiB message limit")
    func comersAndGoers() async throws {
        try await withDaemonRoom(users: 0) { room in
            let server = room.server
            try await withBrowserPage(server: server) { page in
                try await page.evaluate(Self.recordOffers)
                try await page.evaluate(Self.setUp)
                try await Self.enter(page, userId: "web", room: 91, server: server)
                let waves = 10, perWave = 15
                for wave in 0..<waves {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for index in 0..<perWave {
                            group.addTask {
                                try await Self.visit(server, userId: "visitor\(wave)-\(index)", room: 91, stay: .milliseconds(1500))
                            }
                        }
                        try await group.waitForAll()
                    }
                }
                // Every visitor was seen coming, publishing and going.
                try await waitUntil("the last visitor's exit", timeout: .seconds(10)) {
                    page.process.output.count { $0.hasPrefix("console event web remote-user-exit") } == waves * perWave
                }
                let lines = page.process.output
                #expect(lines.count { $0.hasPrefix("console event web remote-video-available") } == waves * perWave)
                #expect(!lines.contains { $0.hasPrefix("console event web error") }, "\(lines.filter { $0.contains("error") }.prefix(5))")
                // Settled: the last offer wants nothing.
                try await waitUntil("an offer after the last exit", timeout: .seconds(5)) {
                    try await page.evaluate("offers[offers.length - 1].streams") == .integer(0)
                }
                let offers = try #require(try await page.evaluate("offers").arrayValue).compactMap(\.objectValue)
                let sections = offers.compactMap { $0["sections"]?.doubleValue }.max() ?? 0
                let bytes = offers.compactMap { $0["bytes"]?.doubleValue }.max() ?? 0
                let streams = offers.compactMap { $0["streams"]?.doubleValue }.max() ?? 0
                print("comers and goers: \(offers.count) SDP messages, at most \(Int(sections)) sections, \(Int(bytes)) bytes, \(Int(streams)) streams")
                #expect(streams >= Double(perWave), "a wave's streams were received at once: \(streams)")
                // Two sending sections and one per stream received at the peak (video and audio of a wave).
                #expect(sections <= Double(2 + 2 * perWave), "sections reused: at most \(sections)")
                #expect(bytes < 16 * 1024 / 2, "the largest SDP message: \(bytes) bytes")
            }
        }
    }
}
