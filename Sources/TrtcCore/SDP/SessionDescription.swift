/// An SDP session description (RFC 8866) as far as WebRTC offers and answers need it: the session-level attributes
/// and the media sections, each with its `m=` line, connection line and attributes in order. Parsing keeps unknown
/// lines' attributes and ignores the other line types it does not use (`o=`, `s=`, `t=`, `b=`, …).
public struct SessionDescription: Sendable, Equatable {
    public struct Attribute: Sendable, Equatable {
        public var name: String
        /// The text after the first `:`; nil for a flag such as `a=rtcp-mux`.
        public var value: String?

        public init(_ name: String, _ value: String? = nil) {
            self.name = name
            self.value = value
        }
    }

    public struct Media: Sendable, Equatable {
        /// `audio`, `video`, `application`, …
        public var kind: String
        public var port: Int
        public var proto: String
        public var formats: [String]
        public var attributes: [Attribute]

        public func values(_ name: String) -> [String] { attributes.compactMap { $0.name == name ? ($0.value ?? "") : nil } }
        public func value(_ name: String) -> String? { values(name).first }
        public func has(_ name: String) -> Bool { attributes.contains { $0.name == name } }
    }

    public var attributes: [Attribute]
    public var media: [Media]

    public func values(_ name: String) -> [String] { attributes.compactMap { $0.name == name ? ($0.value ?? "") : nil } }
    public func value(_ name: String) -> String? { values(name).first }
    public func has(_ name: String) -> Bool { attributes.contains { $0.name == name } }

    /// Largest description accepted (a signaling message is at most 16 KiB anyway).
    public static let maxBytes = 64 * 1024
    /// Most media sections accepted.
    public static let maxMediaSections = 256

    public static func parse(_ text: String) throws(SDPError) -> SessionDescription {
        guard text.utf8.count <= maxBytes else { throw SDPError("the description is larger than \(maxBytes) bytes") }
        var attributes: [Attribute] = []
        var media: [Media] = []
        var sawVersion = false
        for (index, raw) in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw[...]
            if line.isEmpty { continue }
            guard line.count >= 2, line.dropFirst().first == "=" else {
                throw SDPError("line \(index + 1) is not <type>=<value>: \(String(line.prefix(40)).debugDescription)")
            }
            let type = line.first!
            let value = String(line.dropFirst(2))
            if index == 0 {
                guard type == "v", value == "0" else { throw SDPError("a description starts with v=0") }
                sawVersion = true
                continue
            }
            switch type {
            case "m":
                let fields = value.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 3, let port = Int(fields[1].split(separator: "/").first ?? ""), (0...65535).contains(port) else {
                    throw SDPError("malformed m= line \(String(value.prefix(60)).debugDescription)")
                }
                guard media.count < maxMediaSections else { throw SDPError("more than \(maxMediaSections) media sections") }
                media.append(Media(kind: String(fields[0]), port: port, proto: String(fields[2]),
                                   formats: fields.dropFirst(3).map(String.init), attributes: []))
            case "a":
                let attribute: Attribute
                if let colon = value.firstIndex(of: ":") {
                    attribute = Attribute(String(value[..<colon]), String(value[value.index(after: colon)...]))
                } else {
                    attribute = Attribute(value)
                }
                if media.isEmpty { attributes.append(attribute) } else { media[media.count - 1].attributes.append(attribute) }
            default:
                continue
            }
        }
        guard sawVersion else { throw SDPError("empty description") }
        return SessionDescription(attributes: attributes, media: media)
    }
}

/// A description that cannot be used, with what is wrong.
public struct SDPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
