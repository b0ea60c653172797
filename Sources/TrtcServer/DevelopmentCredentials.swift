import Foundation
import TrtcCore

/// The embedded default: one development app and one API credential, made once and kept in the state dir,
/// so that `trtc-server` with no flags is a working server whose credentials survive restarts.
public struct DevelopmentCredentials: Codable, Sendable, Equatable {
    public static let sdkAppId: UInt32 = 1_400_000_001

    public var sdkAppId: UInt32
    public var secretKey: String
    public var secretId: String
    public var apiSecretKey: String

    /// Loads `credentials.json` from `stateDir`, creating the directory (0700) and file (0600) the first time.
    /// `created`: made just now (only then does the banner print the keys).
    public static func loadOrCreate(stateDir: URL) throws -> (credentials: DevelopmentCredentials, created: Bool) {
        let file = stateDir.appendingPathComponent("credentials.json")
        if let data = try? Data(contentsOf: file) {
            do {
                return (try JSONDecoder().decode(DevelopmentCredentials.self, from: data), false)
            } catch {
                throw ServerSetupError("\(file.path) is not a valid credentials file: \(error)")
            }
        }
        let credentials = DevelopmentCredentials(
            sdkAppId: sdkAppId, secretKey: randomString(64, alphabet: "0123456789abcdef"),
            secretId: "AKID" + randomString(32, alphabet: alphanumerics), apiSecretKey: randomString(32, alphabet: alphanumerics))
        try FileManager.default.createDirectory(at: stateDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(credentials)
        guard FileManager.default.createFile(atPath: file.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw ServerSetupError("cannot write \(file.path)")
        }
        return (credentials, true)
    }

    /// `$XDG_STATE_HOME/trtc-server`, else `~/.local/state/trtc-server`.
    public static func defaultStateDir(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return URL(fileURLWithPath: state).appendingPathComponent("trtc-server")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/state/trtc-server")
    }

    private static let alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

    private static func randomString(_ count: Int, alphabet: String) -> String {
        let letters = Array(alphabet)
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in letters.randomElement(using: &generator)! })
    }
}

public struct ServerSetupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
