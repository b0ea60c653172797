// BrowserOffer(sdp:), the reader of a browser's SDP offers (enter.sdp, offer): no input may trap, and an offer that
// is accepted gets an answer that parses, with one section per offered section and the same mids.
import FuzzSupport
import TrtcCore

fuzz { bytes in
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? SessionDescription.parse(text)
    guard let offer = try? BrowserOffer(sdp: text) else { return }
    let answerer = BrowserAnswer(ufrag: "srvUfrag", password: "abcdefghijklmnopqrstuvwx", fingerprint: "sha-256 AA:BB",
                                 host: "127.0.0.1", port: 7801, sessionId: 1, version: 1)
    var streams: [String: BrowserAnswer.Stream] = [:]
    for section in offer.sections where section.direction.receives {
        if let kind = section.kind { streams[section.mid] = .init(userId: "u", kind: kind, ssrc: 42) }
    }
    guard let answer = try? answerer.sdp(answering: offer, streams: streams) else {
        fatalError("no answer to an accepted offer")
    }
    guard let parsed = try? SessionDescription.parse(answer) else { fatalError("the answer does not parse: \(answer.prefix(300))") }
    fuzzExpect(parsed.media.count == offer.sections.count, "an answer section per offered section")
    fuzzExpect(parsed.media.map { $0.value("mid") } == offer.sections.map { Optional($0.mid) }, "the same mids in order")
}
