import Testing
import TrtcCore

/// The browser messages of docs/protocol.md §3 on the wire: what is encoded decodes to the same message.
@Suite("browser signaling messages")
struct BrowserMessageTests {
    @Test("enter.sdp, offer with streams, entered.sdp and answer round-trip; a malformed offer is a bad message")
    func roundTrips() throws {
        let enter = ClientMessage.enter(EnterRequest(seq: 1, sdkAppId: 1_400_000_001, userId: "web", userSig: "sig",
                                                     room: .numeric(8), sdp: "v=0\r\n"))
        #expect(try ClientMessage.decode(text: enter.text) == enter)
        let offer = ClientMessage.offer(seq: 2, sdp: "v=0\r\n", streams: [StreamRequest(mid: "2", userId: "alice", kind: "video")])
        #expect(try ClientMessage.decode(text: offer.text) == offer)
        #expect(offer.text.contains(#""streams":[{"#))
        let answer = ServerMessage.answer(seq: 2, sdp: "v=0\r\na=ice-lite\r\n")
        #expect(try ServerMessage.decode(text: answer.text) == answer)
        let grant = MediaGrant(host: "", port: 7801, ufrag: "abcdefgh", password: String(repeating: "p", count: 24),
                               fingerprint: "sha-256 AA", audioSsrc: 5, videoSsrc: 6)
        let entered = ServerMessage.entered(.init(seq: 1, userId: "web", room: .numeric(8), members: [], media: grant,
                                                  heartbeatMs: 1250, departureTimeoutMs: 5000, sdp: "v=0\r\n"))
        #expect(try ServerMessage.decode(text: entered.text) == entered)
        for bad in [#"{"type":"offer","seq":3}"#, #"{"type":"offer","seq":3,"sdp":"v=0","streams":{}}"#,
                    #"{"type":"offer","seq":3,"sdp":"v=0","streams":[{"mid":"1"}]}"#] {
            #expect(throws: SignalingError.self) { try ClientMessage.decode(text: bad) }
        }
    }
}
