import Glibc

/// A trtc-server URL taken apart for connecting: `ws://`/`wss://` (signaling) or `http://`/`https://` (server API);
/// host (IPv6 without brackets), port, path.
package struct ServerURL: Sendable {
    /// `wss://` or `https://`.
    package let secure: Bool
    package let host: String
    package let port: Int
    /// With the query, as sent in the request line.
    package let path: String
    /// `Host` header: `host[:port]`, IPv6 in brackets.
    package let authority: String

    package init(_ text: String) throws(SignalingClient.ConnectError) {
        let rest: Substring
        guard let schemeEnd = text.range(of: "://") else {
            throw SignalingClient.ConnectError(description: "\(text): not a ws://, wss://, http:// or https:// URL")
        }
        switch text[..<schemeEnd.lowerBound] {
        case "wss", "https": secure = true
        case "ws", "http": secure = false
        default: throw SignalingClient.ConnectError(description: "\(text): not a ws://, wss://, http:// or https:// URL")
        }
        rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let remainder = rest.dropFirst(authority.count)
        path = remainder.hasPrefix("/") ? String(remainder) : "/" + remainder
        let hostPart: Substring
        let portPart: Substring?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            portPart = after.hasPrefix(":") ? after.dropFirst() : nil
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
            portPart = nil
        }
        guard !hostPart.isEmpty else { throw SignalingClient.ConnectError(description: "\(text): no host") }
        host = String(hostPart)
        if let portPart {
            guard let number = Int(portPart), (1...65535).contains(number) else {
                throw SignalingClient.ConnectError(description: "\(text): bad port")
            }
            port = number
        } else {
            port = secure ? 443 : 80
        }
        self.authority = String(authority)
    }

    /// The name NIOSSL sends as SNI and checks the certificate against; nil for an IP address, which is then checked
    /// against the certificate's IP subjectAltNames (NIOSSL does that when it has no name).
    package var tlsServerName: String? { isIPAddress ? nil : host }

    /// An IP address is never sent as SNI (RFC 6066 forbids it; NIOSSL refuses it): the certificate is then checked
    /// against its subjectAltName IP entries instead.
    package var isIPAddress: Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
