import TrtcCore
import Foundation

/// What trtc-server prints when it starts:
///
///     trtc-server 1.0
///       signaling   ws://127.0.0.1:PORT/trtc/v1/signal
///       …
///       development credentials (kept in STATE/credentials.json), made now; the keys are printed only this once:
///         sdkAppId   1400000001
///         secretKey  …          (only when made)
///         SecretId   AKID…
///         SecretKey  …          (only when made)
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

    /// The development credentials the banner lists (it ends with "applications:"). The banner prints the keys only
    /// when it made them; on a later start they are read from `stateDir`'s credentials.json, as a user would.
    static func developmentCredentials(of server: ChildProcess, stateDir: URL, timeout: Duration) async throws -> ServerCredentials {
        try await server.waitForLine(containing: "applications:", timeout: timeout)
        let lines = server.output.map { $0.trimmingCharacters(in: .whitespaces) }
        func field(_ label: String) -> String? {
            lines.first(where: { $0.hasPrefix(label + " ") }).map { $0.dropFirst(label.count).trimmingCharacters(in: .whitespaces) }
        }
        if let id = field("sdkAppId"), let sdkAppId = UInt32(id), let secretKey = field("secretKey"),
           let secretId = field("SecretId"), let apiSecretKey = field("SecretKey") {
            return ServerCredentials(sdkAppId: sdkAppId, secretKey: secretKey, secretId: secretId, apiSecretKey: apiSecretKey)
        }
        let file = stateDir.appendingPathComponent("credentials.json")
        guard let data = try? Data(contentsOf: file),
              case .object(let stored)? = try? JSONCoding.parse(data),
              case .integer(let sdkAppId)? = stored["sdkAppId"], let appId = UInt32(exactly: sdkAppId),
              case .string(let secretKey)? = stored["secretKey"], case .string(let secretId)? = stored["secretId"],
              case .string(let apiSecretKey)? = stored["apiSecretKey"] else {
            throw ProcessFailure("trtc-server's banner lacks the development credentials and \(file.path) has none: \(server.output)")
        }
        return ServerCredentials(sdkAppId: appId, secretKey: secretKey, secretId: secretId, apiSecretKey: apiSecretKey)
    }
}
