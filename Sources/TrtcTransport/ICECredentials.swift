/// An ICE username fragment and password (RFC 8445 5.3, `a=ice-ufrag` / `a=ice-pwd`), exchanged over signaling.
public struct ICECredentials: Sendable, Hashable {
    public let ufrag: String
    public let password: String

    /// ice-char: ALPHA / DIGIT / "+" / "/".
    static let iceCharacters: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 8 characters of ufrag (48 bits: it only names the session) and 24 of password (144 bits ≥ the 128 RFC 8445
    /// asks for), from the system's cryptographic generator.
    public static func random() -> ICECredentials {
        var generator = SystemRandomNumberGenerator()
        func text(_ count: Int) -> String {
            // 64 symbols: 6 random bits per character, no bias.
            String(decoding: (0..<count).map { _ in iceCharacters[Int(generator.next() & 63)] }, as: UTF8.self)
        }
        return ICECredentials(validUfrag: text(8), password: text(24))
    }

    /// Nil unless both are ice-char strings, the ufrag 4...256 characters and the password 22...256.
    public init?(ufrag: String, password: String) {
        guard Self.isICEText(ufrag, lengths: 4...256), Self.isICEText(password, lengths: 22...256) else { return nil }
        self.ufrag = ufrag
        self.password = password
    }

    private init(validUfrag ufrag: String, password: String) {
        self.ufrag = ufrag
        self.password = password
    }

    static func isICEText(_ text: String, lengths: ClosedRange<Int>) -> Bool {
        let bytes = text.utf8
        return lengths.contains(bytes.count) && bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                return true
            default: return false
            }
        }
    }
}
