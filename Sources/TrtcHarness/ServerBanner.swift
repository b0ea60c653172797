import TrtcCore

/// What trtc-server prints when it starts:
///
///     trtc-server 1.0
///       signaling   ws://127.0.0.1:PORT/trtc/v1/signal
///       …
///       development credentials (kept in STATE/credentials.json):
///         sdkAppId   1400000001
///         secretKey  …
///         SecretId   AKID…
///         SecretKey  …
///       applications: 1400000001
enum ServerBanner {
    /// `  signaling   ws://127.0.0.1:PORT/trtc/v1/signal` (or `wss://`) → PORT.
    static func signalingPort(inLine line: String) -> Int? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("signaling"), let scheme = trimmed.range(of: "://"),
              let pathStart = trimmed.range(of: Signaling.path) else { return nil }
        let authority = trimmed[scheme.upperBound..<pathStart.lowerBound]
        guard let colon = authority.lastIndex(of: ":") else { return nil }
        return Int(authority[authority.index(after: colon)...])
    }

    /// The development credentials the banner lists (it ends with "applications:").
    static func developmentCredentials(of server: ChildProcess, timeout: Duration) async throws -> ServerCredentials {
        try await server.waitForLine(containing: "applications:", timeout: timeout)
        let lines = server.output.map { $0.trimmingCharacters(in: .whitespaces) }
        func field(_ label: String) throws -> String {
            guard let line = lines.first(where: { $0.hasPrefix(label + " ") }) else {
                throw ProcessFailure("trtc-server's banner lacks \(label): \(server.output)")
            }
            return line.dropFirst(label.count).trimmingCharacters(in: .whitespaces)
        }
        guard let sdkAppId = UInt32(try field("sdkAppId")) else { throw ProcessFailure("unreadable sdkAppId: \(server.output)") }
        return ServerCredentials(sdkAppId: sdkAppId, secretKey: try field("secretKey"), secretId: try field("SecretId"),
                                 apiSecretKey: try field("SecretKey"))
    }
}
