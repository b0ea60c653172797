import Glibc

/// Whether `--listen` is reachable from other hosts: plaintext there would carry UserSigs and server-API requests
/// in clear (docs/security.md H4), so it needs TLS or an explicit `--insecure-plaintext`.
enum ListenExposure {
    /// `localhost`, 127.0.0.0/8 and ::1 (also IPv4-mapped). Any other name or address counts as exposed: a name may
    /// resolve anywhere, and a wildcard address listens on every interface.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
        return mapped && bytes[12] == 127
    }
}
