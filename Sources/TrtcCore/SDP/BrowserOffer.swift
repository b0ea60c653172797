/// A browser's SDP offer, checked for what trtc-server's media transport speaks (docs/protocol.md §3): one
/// BUNDLEd ICE/DTLS transport with rtcp-mux, the server as ICE-lite agent and DTLS server, VP8 and Opus at whatever
/// payload types the browser numbers them (Chrome 96/111 as trtcd, Firefox 120/109: the SFU rewrites them per
/// receiver), at most one sending audio and one sending video section, whose SSRCs become the member's.
public struct BrowserOffer: Sendable, Equatable {
    public enum Direction: String, Sendable {
        case sendrecv, sendonly, recvonly, inactive

        /// The browser sends on this section.
        public var sends: Bool { self == .sendrecv || self == .sendonly }
        /// The browser receives on this section.
        public var receives: Bool { self == .sendrecv || self == .recvonly }
    }

    public struct Section: Sendable, Equatable {
        public var mid: String
        /// nil: a section trtc-server does not carry (data channel, another kind); answered rejected.
        public var kind: MediaKind?
        public var direction: Direction
        /// What the browser sends on it (its primary SSRC, not the retransmission one); nil when it sends nothing.
        public var ssrc: UInt32?
        /// `m=` kind and protocol, kept to answer a rejected section with the same line.
        public var mediaLine: String
        public var reducedSizeRTCP: Bool
        /// The browser's number for the section's codec (VP8 or Opus); 0 in a section that is not carried.
        public var payloadType: Int = 0
        /// The browser offered transport-wide sequence numbers (`a=extmap:3 <transportWideCCURI>`): the answer accepts
        /// them and transport-cc feedback, and trtc-server sends that feedback about what the browser sends.
        public var transportWideCC = false
    }

    /// draft-holmer-rmcat-transport-wide-cc-extensions-01's URI and the one ID trtc-server reads it with (TrtcRTP's
    /// `TransportWideSequenceNumber`; docs/protocol.md §2).
    public static let transportWideCCURI = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
    public static let transportWideCCExtensionID = 3

    public enum MediaKind: String, Sendable, Equatable {
        case audio, video

        /// The one codec of the kind and its payload type as trtcd sends it (TrtcRTP's `RTPPayloadType`): the number
        /// the SFU carries it with, rewritten to and from a browser's own.
        public var payloadType: Int { self == .audio ? 111 : 96 }
        public var rtpmap: String { self == .audio ? "opus/48000/2" : "VP8/90000" }
    }

    public var ufrag: String
    public var password: String
    /// "sha-256 AB:CD:…", as `MediaOffer.fingerprint`.
    public var fingerprint: String
    public var sections: [Section]

    /// The browser's payload type for the kind's codec (the same in every section of the kind); nil when no section
    /// of the kind is carried.
    public func payloadType(of kind: MediaKind) -> Int? { sections.first { $0.kind == kind }?.payloadType }

    /// SSRCs of the sending sections, which become the member's.
    public var audioSsrc: UInt32? { sections.first { $0.kind == .audio && $0.ssrc != nil }?.ssrc }
    public var videoSsrc: UInt32? { sections.first { $0.kind == .video && $0.ssrc != nil }?.ssrc }

    public init(sdp: String) throws(SDPError) {
        let description = try SessionDescription.parse(sdp)
        func shared(_ name: String, of media: SessionDescription.Media) -> String? { media.value(name) ?? description.value(name) }

        var sections: [Section] = []
        var credentials: (ufrag: String, password: String, fingerprint: String)?
        var mids = Set<String>()
        for media in description.media {
            guard let mid = media.value("mid"), !mid.isEmpty, mid.utf8.count <= 32 else {
                throw SDPError("every media section needs an a=mid of 1 to 32 characters")
            }
            guard mids.insert(mid).inserted else { throw SDPError("mid \(mid.debugDescription) is used twice") }
            let mediaLine = "\(media.kind) \(media.proto) \(media.formats.joined(separator: " "))"
            let direction = Self.direction(of: media) ?? Self.direction(of: description) ?? .sendrecv
            let kind = MediaKind(rawValue: media.kind)
            guard let kind, media.port != 0, media.proto == "UDP/TLS/RTP/SAVPF" else {
                sections.append(Section(mid: mid, kind: nil, direction: .inactive, ssrc: nil, mediaLine: mediaLine, reducedSizeRTCP: false))
                continue
            }
            guard let ufrag = shared("ice-ufrag", of: media), let password = shared("ice-pwd", of: media),
                  let fingerprint = shared("fingerprint", of: media) else {
                throw SDPError("section \(mid) lacks a=ice-ufrag, a=ice-pwd or a=fingerprint")
            }
            if let credentials, credentials != (ufrag, password, fingerprint) {
                throw SDPError("section \(mid) has other ICE credentials or fingerprint than the first: every section must be BUNDLEd on one transport")
            }
            credentials = (ufrag, password, fingerprint)
            let setup = shared("setup", of: media) ?? "actpass"
            guard setup == "actpass" || setup == "active" else {
                throw SDPError("a=setup:\(setup) in section \(mid): the browser must be the DTLS client (actpass or active)")
            }
            guard media.has("rtcp-mux") else { throw SDPError("section \(mid) lacks a=rtcp-mux") }
            // The first offered format mapped to the kind's codec (a browser lists its preferred one first).
            let codecs = Dictionary(media.values("rtpmap").compactMap { value -> (String, String)? in
                let fields = value.split(separator: " ", maxSplits: 1).map(String.init)
                return fields.count == 2 ? (fields[0], fields[1].lowercased()) : nil
            }, uniquingKeysWith: { first, _ in first })
            guard let format = media.formats.first(where: { codecs[$0] == kind.rtpmap.lowercased() }),
                  let payloadType = Int(format), (0...127).contains(payloadType), !(64...95).contains(payloadType) else {
                throw SDPError("section \(mid) must offer \(kind.rtpmap) (at a payload type outside 64–95, which rtcp-mux leaves to RTCP): the SFU carries only VP8 and Opus")
            }
            if let other = sections.first(where: { $0.kind == kind }), other.payloadType != payloadType {
                throw SDPError("section \(mid) numbers \(kind.rtpmap) \(payloadType), section \(other.mid) \(other.payloadType): one payload type per codec")
            }
            var ssrc: UInt32?
            if direction.sends {
                guard let sent = try Self.primarySsrc(of: media, mid: mid) else {
                    throw SDPError("sending section \(mid) declares no a=ssrc")
                }
                ssrc = sent
                if sent <= 1 { throw SDPError("SSRC \(sent) in section \(mid) is reserved") }
                if sections.contains(where: { $0.kind == kind && $0.ssrc != nil }) {
                    throw SDPError("more than one sending \(kind.rawValue) section: a member publishes one stream of each kind")
                }
            }
            var section = Section(mid: mid, kind: kind, direction: direction, ssrc: ssrc, mediaLine: mediaLine,
                                  reducedSizeRTCP: media.has("rtcp-rsize"), payloadType: payloadType)
            // Transport-wide sequence numbers only with the ID trtc-server reads (3, what Chrome offers).
            section.transportWideCC = media.values("extmap").contains { value in
                let fields = value.split(separator: " ")
                return fields.count >= 2 && fields[0] == "\(Self.transportWideCCExtensionID)" && fields[1] == Self.transportWideCCURI
            }
            sections.append(section)
        }
        guard let credentials else { throw SDPError("no audio or video section") }
        guard Self.isICEString(credentials.ufrag, 4...256), Self.isICEString(credentials.password, 22...256) else {
            throw SDPError("a=ice-ufrag must be 4 to 256 and a=ice-pwd 22 to 256 ICE characters")
        }
        let parts = credentials.fingerprint.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "sha-256" else {
            throw SDPError("a=fingerprint must be sha-256 (it is \(String(credentials.fingerprint.prefix(16)).debugDescription))")
        }
        let bundled = Set(description.values("group").flatMap { group -> [String] in
            let fields = group.split(separator: " ").map(String.init)
            return fields.first == "BUNDLE" ? Array(fields.dropFirst()) : []
        })
        for section in sections where section.kind != nil && !bundled.contains(section.mid) {
            throw SDPError("section \(section.mid) is not in the a=group:BUNDLE (use bundlePolicy max-bundle)")
        }
        self.ufrag = credentials.ufrag
        self.password = credentials.password
        self.fingerprint = "sha-256 " + parts[1].uppercased()
        self.sections = sections
    }

    private static func direction(of media: SessionDescription.Media) -> Direction? {
        media.attributes.lazy.compactMap { $0.value == nil ? Direction(rawValue: $0.name) : nil }.first
    }

    private static func direction(of description: SessionDescription) -> Direction? {
        description.attributes.lazy.compactMap { $0.value == nil ? Direction(rawValue: $0.name) : nil }.first
    }

    /// The SSRC the browser sends media with: the first of an `a=ssrc-group:FID` (the second is its retransmission
    /// stream), else the first `a=ssrc`.
    private static func primarySsrc(of media: SessionDescription.Media, mid: String) throws(SDPError) -> UInt32? {
        for group in media.values("ssrc-group") {
            let fields = group.split(separator: " ")
            if fields.first == "FID" || fields.first == "SIM" {
                guard fields.count >= 2, let ssrc = UInt32(fields[1]) else { throw SDPError("malformed a=ssrc-group in section \(mid)") }
                return ssrc
            }
        }
        guard let first = media.values("ssrc").first else { return nil }
        guard let ssrc = UInt32(first.prefix { $0 != " " }) else { throw SDPError("malformed a=ssrc in section \(mid)") }
        return ssrc
    }

    /// RFC 8839 ice-char: letters, digits, `+` and `/`.
    static func isICEString(_ text: String, _ lengths: ClosedRange<Int>) -> Bool {
        lengths.contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2B || $0 == 0x2F }
    }
}
