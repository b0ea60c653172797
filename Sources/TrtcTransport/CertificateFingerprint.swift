/// A certificate's SHA-256 fingerprint as SDP's `a=fingerprint` carries it (RFC 8122): the only thing that
/// authenticates a DTLS peer here, so it must arrive over the authenticated (TLS) signaling channel.
public struct CertificateFingerprint: Sendable, Hashable, CustomStringConvertible {
    /// 32 bytes.
    public let sha256: [UInt8]

    /// "sha-256 AB:CD:…": the algorithm in any case, 32 colon-separated hex pairs in either case; spaces around
    /// the whole are ignored. Other algorithms are refused (only SHA-256 is produced and checked).
    public init?(_ text: String) {
        let trimmed = text.split(separator: " ", omittingEmptySubsequences: true)
        guard trimmed.count == 2, trimmed[0].lowercased() == "sha-256" else { return nil }
        let pairs = trimmed[1].split(separator: ":", omittingEmptySubsequences: false)
        guard pairs.count == 32 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for pair in pairs {
            // Hex digits only: UInt8(_:radix:) would also take "+1".
            guard pair.utf8.count == 2, pair.utf8.allSatisfy(\.isHexDigit), let byte = UInt8(pair, radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        sha256 = bytes
    }

    init(sha256: [UInt8]) {
        precondition(sha256.count == 32, "a SHA-256 digest has 32 bytes")
        self.sha256 = sha256
    }

    /// "sha-256 AB:CD:…" in upper case, as in SDP.
    public var description: String {
        "sha-256 " + sha256.map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return byte < 16 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }
}
