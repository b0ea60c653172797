import Foundation
import Testing
import TrtcClient
import TrtcCore
import TrtcHarness
import TrtcPipeWire

extension BrowserRoomTests {
    /// Makes the page's peer connections number VP8 120 and Opus 109, as Firefox does (Chromium's own numbers are trtcd's
    /// 96 and 111): every offer is renumbered before it is applied and sent. Run before the SDK makes its connection.
    static let firefoxPayloadTypes = """
        (() => {
          window.peerConnections = [];
          const Original = window.RTCPeerConnection;
          const renumber = (sdp) => sdp.split('\\r\\n').map((line) => {
            const swap = (pt) => (pt === '96' ? '120' : pt === '111' ? '109' : pt);
            if (line.startsWith('m=')) return line.split(' ').map((field, index) => (index >= 3 ? swap(field) : field)).join(' ');
            const match = /^(a=(?:rtpmap|fmtp|rtcp-fb):)(\\d+)( .*)$/.exec(line);
            return match ? match[1] + swap(match[2]) + match[3] : line;
          }).join('\\r\\n');
          window.RTCPeerConnection = class extends Original {
            constructor(...args) { super(...args); peerConnections.push(this); }
            async createOffer(...args) {
              const offer = await super.createOffer(...args);
              return { type: offer.type, sdp: renumber(offer.sdp) };
            }
          };
          return 'renumbering';
        })()
        """

    @Test("a browser numbering VP8 120 and Opus 109 (Firefox's numbers, forced on Chromium): answered with them, the SFU renumbers both ways; trtcd decodes its camera and it decodes trtcd's")
    func otherPayloadTypes() async throws {
        try await withMediaRoom(users: 1) { room in
            let alice = room.clients[0]
            try await alice.startVideo([
                "camera": .string(PipeWireTestEnvironment.cameraName), "width": .uint32(320), "height": .uint32(240),
                "fps": .uint32(15), "bitrate": .uint32(300),
            ])
            try await alice.enter("alice", room: .numeric(101), server: room.server)
            try await withBrowserPage(server: room.server) { page in
                try await page.evaluate(Self.firefoxPayloadTypes)
                try await page.evaluate(Self.setUp)
                try await Self.enter(page, userId: "web", room: 101, server: room.server)
                try await page.evaluate("t.startLocalVideo().then(() => 'on')")
                try await alice.waitFor("UserVideoAvailable") { $0 == [.string("web"), .boolean(true)] }
                _ = try await alice.call("StartRemoteVideo", [.string("web"), .string("main")])
                // trtcd's camera (VP8 96 at the SFU) arrives as 120 and is decoded.
                _ = try await Self.waitForChangingPicture(page, "trtcd's video in the browser, renumbered")
                // The browser's camera (sent as 120) reaches trtcd as 96 and is decoded.
                var rate: UInt32 = 0
                try await waitUntil("trtcd decoding the browser's camera", timeout: .seconds(20), interval: .milliseconds(100)) {
                    rate = try await Self.decodedFrameRate(of: "web", at: alice)
                    return rate >= 3
                }
                // Both descriptions really use Firefox's numbers, in every section.
                let numbers = try await page.evaluate("""
                    (() => { const pc = peerConnections[peerConnections.length - 1];
                      const formats = (sdp) => sdp.split('\\r\\n').filter((line) => line.startsWith('m=')).map((line) => line.split(' ').slice(3).join(' ')).join();
                      return formats(pc.localDescription.sdp) + ' | ' + formats(pc.remoteDescription.sdp); })()
                    """)
                let text = try #require(numbers.stringValue)
                let formats = text.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces).split(separator: ",").map(String.init) }
                #expect(formats.count == 2 && formats.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0 == "109" || $0 == "120" } }, "\(text)")
                #expect(formats.first?.contains("120") == true && formats.first?.contains("109") == true, "\(text)")
            }
        }
    }
}
