/// trtc-server's SDP answer to a `BrowserOffer` (docs/protocol.md §3): ICE-lite with the member's server credentials
/// and one host candidate (the media socket), DTLS server (`a=setup:passive`) with the server's certificate, every
/// carried section BUNDLEd with rtcp-mux; the browser's sending sections are received; each receiving section is
/// sent the stream assigned to it (its SSRC, `a=msid:- <kind>-<ssrc>`: the browser knows whose it is by the mid it
/// asked for it on; userIds never appear in the SDP), or is inactive without one.
public struct BrowserAnswer: Sendable, Equatable {
    /// A room member's stream assigned to one of the browser's receiving sections.
    public struct Stream: Sendable, Equatable {
        public var userId: String
        public var kind: BrowserOffer.MediaKind
        public var ssrc: UInt32

        public init(userId: String, kind: BrowserOffer.MediaKind, ssrc: UInt32) {
            self.userId = userId
            self.kind = kind
            self.ssrc = ssrc
        }
    }

    public var ufrag: String
    public var password: String
    public var fingerprint: String
    /// The media socket's address as the browser reaches it (an IP address).
    public var host: String
    public var port: UInt16
    /// `o=` session id and version (the version counts answers of one session up).
    public var sessionId: UInt64
    public var version: UInt32

    public init(ufrag: String, password: String, fingerprint: String, host: String, port: UInt16, sessionId: UInt64,
                version: UInt32) {
        self.ufrag = ufrag
        self.password = password
        self.fingerprint = fingerprint
        self.host = host
        self.port = port
        self.sessionId = sessionId
        self.version = version
    }

    /// The answer's text; `streams` by mid. A stream on a section of another kind, or one the browser does not
    /// receive on, is an error.
    public func sdp(answering offer: BrowserOffer, streams: [String: Stream]) throws(SDPError) -> String {
        for (mid, stream) in streams {
            guard let section = offer.sections.first(where: { $0.mid == mid }) else {
                throw SDPError("no section \(mid.debugDescription) in the offer for \(stream.userId)'s \(stream.kind.rawValue)")
            }
            guard section.kind == stream.kind, section.direction.receives else {
                throw SDPError("section \(mid) does not receive \(stream.kind.rawValue)")
            }
        }
        let addressType = host.contains(":") ? "IP6" : "IP4"
        let carried = offer.sections.filter { $0.kind != nil }.map(\.mid)
        var lines = [
            "v=0", "o=trtc-server \(sessionId) \(version) IN \(addressType) \(host)", "s=-", "t=0 0",
            "a=group:BUNDLE \(carried.joined(separator: " "))", "a=ice-lite", "a=msid-semantic: WMS *",
        ]
        for section in offer.sections {
            guard let kind = section.kind else {
                // Rejected: port 0, same kind and formats (RFC 8843 §7.3.3 allows no BUNDLE attributes here).
                let fields = section.mediaLine.split(separator: " ", maxSplits: 1).map(String.init)
                lines.append("m=\(fields[0]) 0 \(fields.count > 1 ? fields[1] : "")")
                lines.append("c=IN \(addressType) \(host)")
                lines.append("a=mid:\(section.mid)")
                lines.append("a=inactive")
                continue
            }
            let stream = streams[section.mid]
            let direction: BrowserOffer.Direction = switch (section.direction.sends, stream != nil) {
            case (true, true): .sendrecv
            case (true, false): .recvonly
            case (false, true): .sendonly
            case (false, false): .inactive
            }
            let pt = section.payloadType
            lines += [
                "m=\(kind.rawValue) \(port) UDP/TLS/RTP/SAVPF \(pt)", "c=IN \(addressType) \(host)",
                "a=ice-ufrag:\(ufrag)", "a=ice-pwd:\(password)", "a=fingerprint:\(fingerprint)", "a=setup:passive",
                "a=mid:\(section.mid)", "a=\(direction.rawValue)", "a=rtcp-mux",
            ]
            if section.reducedSizeRTCP { lines.append("a=rtcp-rsize") }
            lines.append("a=rtpmap:\(pt) \(kind.rtpmap)")
            switch kind {
            case .audio: lines.append("a=fmtp:\(pt) minptime=10;useinbandfec=1")
            case .video: lines += ["a=rtcp-fb:\(pt) nack", "a=rtcp-fb:\(pt) nack pli"]
            }
            if section.transportWideCC {
                lines += ["a=rtcp-fb:\(pt) transport-cc",
                          "a=extmap:\(BrowserOffer.transportWideCCExtensionID) \(BrowserOffer.transportWideCCURI)"]
            }
            if let stream {
                lines += [
                    "a=msid:- \(kind.rawValue)-\(stream.ssrc)", "a=ssrc:\(stream.ssrc) cname:trtc-\(stream.ssrc)",
                    "a=ssrc:\(stream.ssrc) msid:- \(kind.rawValue)-\(stream.ssrc)",
                ]
            }
            lines += ["a=candidate:1 1 udp 2130706431 \(host) \(port) typ host", "a=end-of-candidates"]
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
