import NIOCore
import Testing
import TrtcCore
@testable import TrtcServer
import TrtcRTP

/// Payload types per member (docs/browsers.md): a browser's numbers from its offer, renumbered to the SFU's (trtcd's)
/// on arrival and back to each receiver's own on the way out, the marker bit kept.
@Suite struct MemberPayloadTypesTests {
    @Test func firefoxNumbersMapBothWays() throws {
        let firefox = MemberPayloadTypes(try BrowserOffer(sdp: """
            v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=ice-ufrag:abcd\r\n\
            a=ice-pwd:abcdefghijklmnopqrstuv\r\na=fingerprint:sha-256 \(Array(repeating: "AB", count: 32).joined(separator: ":"))\r\n\
            a=setup:actpass\r\nm=audio 9 UDP/TLS/RTP/SAVPF 109\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n\
            a=rtpmap:109 opus/48000/2\r\nm=video 9 UDP/TLS/RTP/SAVPF 120\r\na=mid:1\r\na=recvonly\r\na=rtcp-mux\r\n\
            a=rtpmap:120 VP8/90000\r\n
            """))
        #expect(firefox.audio == 109 && firefox.video == 120)
        #expect(firefox != .carried)
        #expect(firefox.carried(120) == RTPPayloadType.vp8 && firefox.carried(109) == RTPPayloadType.opus)
        #expect(firefox.own(RTPPayloadType.vp8) == 120 && firefox.own(RTPPayloadType.opus) == 109)
        #expect(firefox.carried(77) == 77 && firefox.own(77) == 77, "other numbers pass unchanged")
        #expect(MemberPayloadTypes.carried.own(RTPPayloadType.vp8) == RTPPayloadType.vp8)
    }

    @Test func renumberingKeepsTheMarkerAndTheRest() throws {
        var firefox = MemberPayloadTypes()
        firefox.audio = 109
        firefox.video = 120
        let sent = try RTPPacket(payloadType: 120, marker: true, sequenceNumber: 7, timestamp: 9, ssrc: 0xCAFE, payload: [1, 2, 3])
        var buffer = ByteBuffer(bytes: sent.serialized())
        MediaDatagramHandler.renumber(&buffer, firefox.carried)
        let carried = try RTPPacket(parsing: Array(buffer.readableBytesView))
        #expect(carried.payloadType == RTPPayloadType.vp8 && carried.marker)
        #expect(carried.sequenceNumber == 7 && carried.timestamp == 9 && carried.ssrc == 0xCAFE && carried.payload == [1, 2, 3])
    }
}
