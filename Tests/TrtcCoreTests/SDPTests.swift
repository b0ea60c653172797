import Foundation
import Testing
import TrtcCore

/// SDP of browsers (docs/protocol.md §3): a real Chromium offer (Vectors/sdp, made by Chromium 156 with two sending
/// and two receiving transceivers and bundlePolicy max-bundle) parsed and answered.
@Suite("SDP: browser offers and the server's answers")
struct SDPTests {
    static func chromiumOffer() throws -> String {
        let vectors = try #require(Bundle.module.url(forResource: "Vectors", withExtension: nil))
        return try String(contentsOf: vectors.appendingPathComponent("sdp/chromium-156-offer.sdp"), encoding: .utf8)
    }

    @Test("Chromium's offer: credentials, fingerprint, four BUNDLEd sections, its sending SSRCs (not the RTX one)")
    func chromiumOfferParsed() throws {
        let offer = try BrowserOffer(sdp: Self.chromiumOffer())
        #expect(offer.ufrag == "Wvpy")
        #expect(offer.password == "683sw3eGAKfFuXQUtaWIOwzy")
        #expect(offer.fingerprint == "sha-256 BB:DE:4B:25:4B:17:88:4E:3A:31:86:D3:D5:E0:26:A7:E2:48:DD:F4:B7:D8:46:C7:0A:95:B6:5B:73:5B:DB:3A")
        #expect(offer.sections.map(\.mid) == ["0", "1", "2", "3"])
        #expect(offer.sections.map(\.kind) == [.audio, .video, .video, .audio])
        #expect(offer.sections.map(\.direction) == [.sendonly, .sendonly, .recvonly, .recvonly])
        #expect(offer.audioSsrc == 3_663_650_176)
        #expect(offer.videoSsrc == 1_537_016_395, "the first of the FID group, not its retransmission SSRC")
        #expect(offer.sections[2].ssrc == nil && offer.sections[3].ssrc == nil)
        #expect(offer.sections.allSatisfy { $0.reducedSizeRTCP })
        #expect(offer.sections.allSatisfy { $0.transportWideCC }, "Chromium offers transport-wide sequence numbers as ID 3")
    }

    @Test("the answer: ICE-lite, passive DTLS, one candidate, VP8 96 / Opus 111 only, directions mirrored, a stream's SSRC")
    func answer() throws {
        let offer = try BrowserOffer(sdp: Self.chromiumOffer())
        let answer = BrowserAnswer(ufrag: "srvUfrag", password: "abcdefghijklmnopqrstuvwx", fingerprint: "sha-256 AA:BB",
                                   host: "127.0.0.1", port: 7801, sessionId: 42, version: 1)
        let text = try answer.sdp(answering: offer, streams: ["2": .init(userId: "alice", kind: .video, ssrc: 777)])
        #expect(text.hasSuffix("\r\n") && !text.contains("\n\n"))
        let parsed = try SessionDescription.parse(text)
        #expect(parsed.has("ice-lite"))
        #expect(parsed.value("group") == "BUNDLE 0 1 2 3")
        #expect(parsed.media.map(\.kind) == ["audio", "video", "video", "audio"])
        #expect(parsed.media.map(\.formats) == [["111"], ["96"], ["96"], ["111"]])
        #expect(parsed.media.allSatisfy { $0.port == 7801 && $0.value("setup") == "passive" && $0.has("rtcp-mux") })
        #expect(parsed.media.allSatisfy { $0.value("ice-ufrag") == "srvUfrag" && $0.value("fingerprint") == "sha-256 AA:BB" })
        #expect(parsed.media.allSatisfy { $0.value("candidate") == "1 1 udp 2130706431 127.0.0.1 7801 typ host" })
        #expect(parsed.media[0].has("recvonly") && parsed.media[1].has("recvonly"))
        #expect(parsed.media[2].has("sendonly") && parsed.media[2].values("ssrc").contains("777 msid:- video-777"))
        #expect(parsed.media[3].has("inactive") && parsed.media[3].values("ssrc").isEmpty)
        #expect(parsed.media[1].values("rtcp-fb") == ["96 nack", "96 nack pli", "96 transport-cc"])
        #expect(parsed.media.allSatisfy { $0.values("extmap") == ["3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"] },
                "transport-wide sequence numbers accepted with the offer's ID, no other extension")
        // An offer without it (or with another ID) gets no extension and no transport-cc.
        let without = try BrowserOffer(sdp: Self.chromiumOffer().replacingOccurrences(of: "a=extmap:3 http", with: "a=extmap:9 http"))
        #expect(without.sections.allSatisfy { !$0.transportWideCC })
        let plain = try SessionDescription.parse(try answer.sdp(answering: without, streams: [:]))
        #expect(plain.media.allSatisfy { $0.values("extmap").isEmpty && !$0.values("rtcp-fb").contains("96 transport-cc") })
        #expect(!text.contains("alice"), "userIds stay out of SDP")
        // What the browser gets back parses as an offer would (the same grammar), and keeps its mids.
        #expect(parsed.media.map { $0.value("mid") } == ["0", "1", "2", "3"])
    }

    /// `offer` with payload type `from` called `to` (in the `m=` line and its attributes) in every section, or only in
    /// the `inSection`th.
    static func renumbered(_ offer: String, _ from: String, _ to: String, inSection: Int? = nil) -> String {
        var section = -1
        return offer.components(separatedBy: "\r\n").map { line -> String in
            if line.hasPrefix("m=") { section += 1 }
            guard inSection == nil || inSection == section else { return line }
            if line.hasPrefix("m=") {
                return line.split(separator: " ").map { $0 == from ? to : String($0) }.joined(separator: " ")
            }
            for prefix in ["a=rtpmap:", "a=fmtp:", "a=rtcp-fb:"] where line.hasPrefix(prefix + from + " ") {
                return prefix + to + line.dropFirst(prefix.count + from.count)
            }
            return line
        }.joined(separator: "\r\n")
    }

    @Test("Firefox's numbers (VP8 120, Opus 109): read from the offer and answered with them; the SFU renumbers")
    func firefoxPayloadTypes() throws {
        // Chromium's offer renumbered as Firefox numbers its codecs (Chromium's own 120, another codec, moved aside).
        let good = try Self.chromiumOffer()
        let firefoxLike = Self.renumbered(Self.renumbered(Self.renumbered(good, "120", "123"), "96", "120"), "111", "109")
        let offer = try BrowserOffer(sdp: firefoxLike)
        #expect(offer.payloadType(of: .video) == 120 && offer.payloadType(of: .audio) == 109)
        #expect(offer.sections.map(\.payloadType) == [109, 120, 120, 109])
        #expect(try BrowserOffer(sdp: good).payloadType(of: .video) == 96)
        let answer = try BrowserAnswer(ufrag: "srvUfrag", password: "abcdefghijklmnopqrstuvwx", fingerprint: "sha-256 AA:BB",
                                       host: "127.0.0.1", port: 7801, sessionId: 42, version: 1)
            .sdp(answering: offer, streams: ["2": .init(userId: "alice", kind: .video, ssrc: 777)])
        let parsed = try SessionDescription.parse(answer)
        #expect(parsed.media.map(\.formats) == [["109"], ["120"], ["120"], ["109"]])
        #expect(parsed.media[1].values("rtpmap") == ["120 VP8/90000"])
        #expect(parsed.media[1].values("rtcp-fb") == ["120 nack", "120 nack pli", "120 transport-cc"])
        #expect(parsed.media[0].values("fmtp") == ["109 minptime=10;useinbandfec=1"])
    }

    @Test("a stream on a section of the other kind, or on a sending-only one, is refused")
    func wrongStreams() throws {
        let offer = try BrowserOffer(sdp: Self.chromiumOffer())
        let answer = BrowserAnswer(ufrag: "srvUfrag", password: "abcdefghijklmnopqrstuvwx", fingerprint: "sha-256 AA:BB",
                                   host: "::1", port: 7801, sessionId: 1, version: 1)
        #expect(throws: SDPError.self) { try answer.sdp(answering: offer, streams: ["3": .init(userId: "a", kind: .video, ssrc: 5)]) }
        #expect(throws: SDPError.self) { try answer.sdp(answering: offer, streams: ["1": .init(userId: "a", kind: .video, ssrc: 5)]) }
        #expect(throws: SDPError.self) { try answer.sdp(answering: offer, streams: ["9": .init(userId: "a", kind: .video, ssrc: 5)]) }
        #expect(try answer.sdp(answering: offer, streams: [:]).contains("c=IN IP6 ::1"))
    }

    @Test("offers the server cannot carry are refused with what is wrong")
    func badOffers() throws {
        let good = try Self.chromiumOffer()
        func refusal(_ sdp: String) -> String? {
            do { _ = try BrowserOffer(sdp: sdp); return nil } catch { return error.message }
        }
        #expect(refusal("") != nil)
        #expect(refusal("hello") != nil)
        #expect(refusal(good.replacingOccurrences(of: "a=rtpmap:96 VP8/90000", with: "a=rtpmap:96 H264/90000"))?
            .contains("must offer VP8/90000") == true)
        // VP8 numbered 120 in one video section and 96 in the other.
        #expect(refusal(Self.renumbered(good, "96", "123", inSection: 1))?.contains("one payload type per codec") == true)
        // A number in 64–95, which rtcp-mux leaves to RTCP.
        #expect(refusal(Self.renumbered(good, "96", "72"))?.contains("64–95") == true)
        #expect(refusal(good.replacingOccurrences(of: "a=rtpmap:111 opus/48000/2", with: "a=rtpmap:111 G722/8000"))?
            .contains("opus") == true)
        #expect(refusal(good.replacingOccurrences(of: "a=group:BUNDLE 0 1 2 3", with: "a=group:BUNDLE 0 1"))?
            .contains("BUNDLE") == true)
        #expect(refusal(good.replacingOccurrences(of: "a=rtcp-mux\r\n", with: ""))?.contains("rtcp-mux") == true)
        #expect(refusal(good.replacingOccurrences(of: "a=setup:actpass", with: "a=setup:passive"))?.contains("DTLS client") == true)
        #expect(refusal(good.replacingOccurrences(of: "a=fingerprint:sha-256", with: "a=fingerprint:sha-1"))?.contains("sha-256") == true)
        #expect(refusal(good.replacingOccurrences(of: "a=mid:3", with: "a=mid:2"))?.contains("twice") == true)
        #expect(refusal(good.replacingOccurrences(of: "a=ssrc:3663650176", with: "a=ssrc:1"))?.contains("reserved") == true)
        // The third section made to send as well: two sending video sections.
        let twoSenders = good.replacingOccurrences(of: "a=mid:2\r\n", with: "a=mid:2\r\na=ssrc:99 cname:x\r\n")
            .replacingOccurrences(of: "a=recvonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtcp-xr:rcvr-rtt=all\r\na=rtpmap:96", with: "a=sendonly\r\na=rtcp-mux\r\na=rtcp-rsize\r\na=rtcp-xr:rcvr-rtt=all\r\na=rtpmap:96")
        #expect(refusal(twoSenders)?.contains("more than one sending video") == true)
        // A data channel section is carried along as rejected, not an error.
        let withData = good + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:4\r\n"
        let offer = try BrowserOffer(sdp: withData)
        #expect(offer.sections.last?.kind == nil)
        let answer = try BrowserAnswer(ufrag: "srvUfrag", password: "abcdefghijklmnopqrstuvwx", fingerprint: "sha-256 AA:BB",
                                       host: "127.0.0.1", port: 9, sessionId: 1, version: 1).sdp(answering: offer, streams: [:])
        #expect(answer.contains("m=application 0 UDP/DTLS/SCTP webrtc-datachannel"))
        #expect(try SessionDescription.parse(answer).value("group") == "BUNDLE 0 1 2 3")
    }

    @Test("500 mutations of Chromium's offer: nothing traps; an accepted offer's answer parses with the same mids")
    func mutatedOffers() throws {
        let lines = try Self.chromiumOffer().components(separatedBy: "\r\n")
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
        let inserts = ["a=mid:0", "a=group:BUNDLE 0", "m=video 0 UDP/TLS/RTP/SAVPF 96", "a=ssrc:1 cname:x", "a=sendrecv",
                       "a=setup:passive", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", "a=ssrc-group:FID", "a=rtpmap:96",
                       "a=ice-ufrag:", "=", "a=", "m=", "v=0", "a=fingerprint:sha-256 X", "a=ssrc:99999999999 cname:x"]
        var accepted = 0
        for _ in 0..<500 {
            var mutated = lines
            for _ in 0...next(4) {
                switch next(4) {
                case 0 where !mutated.isEmpty: mutated.remove(at: next(mutated.count))
                case 1: mutated.insert(inserts[next(inserts.count)], at: next(mutated.count + 1))
                case 2 where !mutated.isEmpty:
                    let index = next(mutated.count)
                    var bytes = Array(mutated[index].utf8)
                    if !bytes.isEmpty { bytes[next(bytes.count)] = UInt8(next(128)) }
                    mutated[index] = String(decoding: bytes, as: UTF8.self)
                default: if !mutated.isEmpty { mutated.append(mutated[next(mutated.count)]) }
                }
            }
            let text = mutated.joined(separator: next(2) == 0 ? "\r\n" : "\n")
            _ = try? SessionDescription.parse(text)
            guard let offer = try? BrowserOffer(sdp: text) else { continue }
            accepted += 1
            var streams: [String: BrowserAnswer.Stream] = [:]
            for section in offer.sections where section.direction.receives {
                if let kind = section.kind { streams[section.mid] = .init(userId: "u", kind: kind, ssrc: 42) }
            }
            let answer = try BrowserAnswer(ufrag: "srvUfrag", password: "abcdefghijklmnopqrstuvwx", fingerprint: "sha-256 AA:BB",
                                           host: "127.0.0.1", port: 7801, sessionId: 1, version: 1).sdp(answering: offer, streams: streams)
            let parsed = try SessionDescription.parse(answer)
            #expect(parsed.media.map { $0.value("mid") } == offer.sections.map { Optional($0.mid) })
        }
        #expect(accepted > 20, "some mutations stay acceptable (\(accepted))")
    }
}

