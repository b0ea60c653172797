import NIOCore

/// The client a connection counts against for the per-IP cap: an IPv4 address, or an IPv6 /64 (the smallest prefix
/// a site is normally given, so that a host cannot step around the cap with its other addresses). An IPv4-mapped
/// IPv6 address counts as its IPv4 address.
enum PeerAddressKey: Hashable, Sendable {
    case v4(UInt32)
    case v6Prefix(UInt64)

    /// nil for peers the per-IP cap leaves alone: 127.0.0.1 and ::1 (a reverse proxy or tools on the same host, where
    /// every client would share one address) and anything that is not IP.
    init?(_ address: SocketAddress?) {
        switch address {
        case .v4(let v4):
            self.init(ipv4: UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
                self.init(ipv4: bytes[12..<16].reduce(0) { $0 << 8 | UInt32($1) })
            } else {
                guard bytes != Self.ipv6Loopback else { return nil }
                self = .v6Prefix(bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) })
            }
        default:
            return nil
        }
    }

    private init?(ipv4 host: UInt32) {
        guard host != Self.ipv4Loopback else { return nil }
        self = .v4(host)
    }

    private static let ipv4Loopback: UInt32 = 0x7f00_0001
    private static let ipv6Loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]
}
