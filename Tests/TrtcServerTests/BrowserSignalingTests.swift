import Foundation
import Testing
import TrtcCore
import TrtcHarnessTesting

/// Browser members' SDP over signaling (docs/protocol.md §3), against the real server: `enter.sdp` → `entered.sdp`,
/// `offer` → `answer` with the room's current streams, and the refusals.
@Suite("browsers' SDP offers and answers over signaling")
struct BrowserSignalingTests {
    /// A Chrome-shaped offer (bundlePolicy max-bundle, codecs narrowed to Opus and VP8 as trtc.js does): sending
    /// audio and video, and `receivers` more receive-only video sections.
    static func offer(ufrag: String = "Brws", audioSsrc: UInt32 = 1111, videoSsrc: UInt32 = 2222, receivers: Int = 1) -> String {
        let common = """
            c=IN IP4 0.0.0.0\r
            a=rtcp:9 IN IP4 0.0.0.0\r
            a=ice-ufrag:\(ufrag)\r
            a=ice-pwd:683sw3eGAKfFuXQUtaWIOwzy\r
            a=ice-options:trickle\r
            a=fingerprint:sha-256 BB:DE:4B:25:4B:17:88:4E:3A:31:86:D3:D5:E0:26:A7:E2:48:DD:F4:B7:D8:46:C7:0A:95:B6:5B:73:5B:DB:3A\r
            a=setup:actpass\r

            """
        var sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE \((0..<(2 + receivers)).map(String.init).joined(separator: " "))\r\na=msid-semantic: WMS\r\n"
        sdp += "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n" + common + "a=mid:0\r\na=sendonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\na=ssrc:\(audioSsrc) cname:x\r\n"
        sdp += "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n" + common + "a=mid:1\r\na=sendonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\na=ssrc-group:FID \(videoSsrc) 3333\r\na=ssrc:\(videoSsrc) cname:x\r\na=ssrc:3333 cname:x\r\n"
        for index in 0..<receivers {
            sdp += "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n" + common + "a=mid:\(2 + index)\r\na=recvonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
        }
        return sdp
    }

    static func enterRequest(_ client: TestClient, _ userId: String, sdp: String, room: UInt32 = 5) -> ClientMessage {
        .enter(EnterRequest(seq: client.channel.makeSeq(), sdkAppId: TestServer.sdkAppId, userId: userId,
                            userSig: TestServer.userSig(userId), room: .numeric(room), media: nil, sdp: sdp))
    }

    @Test("enter with an offer: the answer carries the member's ICE-lite credentials, the server's fingerprint, the media socket as candidate, and the browser's SSRCs are the member's")
    func enterWithOffer() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { c in
                let (web, bob) = (c[0], c[1])
                try await bob.enter("bob", room: .numeric(5))
                web.send(Self.enterRequest(web, "web", sdp: Self.offer()))
                guard case .entered(let entered) = try await web.next() else { throw TestFailure("not entered") }
                let answer = try SessionDescription.parse(try #require(entered.sdp))
                #expect(answer.has("ice-lite"))
                #expect(entered.media.audioSsrc == 1111 && entered.media.videoSsrc == 2222)
                for media in answer.media {
                    #expect(media.value("ice-ufrag") == entered.media.ufrag && media.value("ice-pwd") == entered.media.password)
                    #expect(media.value("fingerprint") == entered.media.fingerprint)
                    #expect(media.value("candidate") == "1 1 udp 2130706431 127.0.0.1 \(entered.media.port) typ host")
                }
                #expect(answer.media.map { $0.has("recvonly") } == [true, true, false])
                #expect(answer.media[2].has("inactive"), "nothing asked for on the receiving section yet")
                #expect(try await bob.next() == .userEnter(userId: "web", role: .anchor))
                // Publishing announces the browser's own SSRC.
                #expect(try await web.request { .publish(seq: $0, video: true, audio: nil) } == .ack(seq: 2))
                #expect(try await bob.next() == .userVideo(userId: "web", available: true, ssrc: 2222))
            }
        }
    }

    @Test("offer: each receiving section gets the stream asked for while it is published, inactive otherwise; the version counts up")
    func renegotiation() async throws {
        try await withTestServer { server in
            try await withClients(2, server) { c in
                let (web, bob) = (c[0], c[1])
                let bobEntry = try await bob.enter("bob", room: .numeric(5), video: true)
                web.send(Self.enterRequest(web, "web", sdp: Self.offer(receivers: 2)))
                guard case .entered = try await web.next() else { throw TestFailure("not entered") }
                let streams = [StreamRequest(mid: "2", userId: "bob", kind: "video"), StreamRequest(mid: "3", userId: "bob", kind: "audio")]
                // mid 3 is a video section: bob's audio cannot go there.
                guard case .error(let wrongKind) = try await web.request({ .offer(seq: $0, sdp: Self.offer(receivers: 2), streams: streams) })
                else { throw TestFailure("a stream on a section of another kind was accepted") }
                #expect(wrongKind.kind == .badMessage && wrongKind.message.contains("does not receive audio"), "\(wrongKind)")
                let answered = try await web.request { .offer(seq: $0, sdp: Self.offer(receivers: 2), streams: [
                    StreamRequest(mid: "2", userId: "bob", kind: "video"), StreamRequest(mid: "3", userId: "nobody", kind: "video"),
                ]) }
                guard case .answer(_, let text) = answered else { throw TestFailure("no answer: \(answered)") }
                let answer = try SessionDescription.parse(text)
                #expect(answer.media[2].has("sendonly"))
                #expect(answer.media[2].values("ssrc").contains("\(bobEntry.media.videoSsrc) msid:- video-\(bobEntry.media.videoSsrc)"))
                #expect(answer.media[3].has("inactive") && answer.media[3].values("ssrc").isEmpty)
                #expect(text.contains("o=trtc-server ") && text.contains(" 2 IN IP4 "), "the second answer of the session")
                // bob stops: the same offer now leaves his section inactive.
                #expect(try await bob.request { .publish(seq: $0, video: false, audio: nil) }.errorKind == nil)
                _ = try await web.next()  // userVideo bob false
                guard case .answer(_, let again) = try await web.request({ .offer(seq: $0, sdp: Self.offer(receivers: 2), streams: streams.prefix(1).map { $0 }) })
                else { throw TestFailure("no answer") }
                #expect(try SessionDescription.parse(again).media[2].has("inactive"))
            }
        }
    }

    @Test("refused: a bad offer at enter, sdp with media, offer from a member without sdp, other ICE credentials or SSRCs, an SSRC in use")
    func refusals() async throws {
        try await withTestServer(configure: { $0.stateChangesPerSecond = 0 }) { server in
            try await withClients(3, server) { c in
                let (web, bob, other) = (c[0], c[1], c[2])
                web.send(Self.enterRequest(web, "web", sdp: Self.offer().replacingOccurrences(of: "VP8/90000", with: "H264/90000")))
                guard case .error(let badCodec) = try await web.next() else { throw TestFailure("H.264-only offer admitted") }
                #expect(badCodec.kind == .badMessage && badCodec.message.hasPrefix("sdp: ") && badCodec.message.contains("VP8"), "\(badCodec)")
                var both = EnterRequest(seq: web.channel.makeSeq(), sdkAppId: TestServer.sdkAppId, userId: "web",
                                        userSig: TestServer.userSig("web"), room: .numeric(5), media: TestMedia.identity.offer)
                both.sdp = Self.offer()
                web.send(.enter(both))
                guard case .error(let twoOffers) = try await web.next() else { throw TestFailure("media and sdp admitted") }
                #expect(twoOffers.kind == .badMessage)

                try await bob.enter("bob", room: .numeric(5))
                guard case .error(let notBrowser) = try await bob.request({ .offer(seq: $0, sdp: Self.offer(), streams: []) })
                else { throw TestFailure("offer from trtcd-style member accepted") }
                #expect(notBrowser.kind == .refused)

                web.send(Self.enterRequest(web, "web", sdp: Self.offer()))
                guard case .entered = try await web.next() else { throw TestFailure("not entered") }
                _ = try await bob.next()
                guard case .error(let restart) = try await web.request({ .offer(seq: $0, sdp: Self.offer(ufrag: "Othr"), streams: []) })
                else { throw TestFailure("ICE restart accepted") }
                #expect(restart.message.contains("ICE restarts"))
                guard case .error(let newSsrc) = try await web.request({ .offer(seq: $0, sdp: Self.offer(videoSsrc: 4444), streams: []) })
                else { throw TestFailure("new SSRC accepted") }
                #expect(newSsrc.message.contains("SSRCs"))

                // Another browser with the same SSRC in the same room.
                other.send(Self.enterRequest(other, "web2", sdp: Self.offer(ufrag: "Web2")))
                guard case .error(let inUse) = try await other.next() else { throw TestFailure("SSRC collision admitted") }
                #expect(inUse.kind == .refused && inUse.message.contains("SSRC"), "\(inUse)")
                // The same offer in another room is fine.
                other.send(Self.enterRequest(other, "web2", sdp: Self.offer(ufrag: "Web2"), room: 6))
                guard case .entered = try await other.next() else { throw TestFailure("not entered in room 6") }
            }
        }
    }
}

