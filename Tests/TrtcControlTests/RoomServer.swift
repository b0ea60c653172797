import Foundation
import TrtcHarness

/// A real trtc-server process on a free loopback port, with a known app and API credential.
struct RoomServer: Sendable {
    static let credentials = ServerCredentials(
        sdkAppId: 1_400_000_001, secretKey: "trtcctl-test-app-secret", secretId: "AKIDtrtcctlTestSecretId000000000000",
        apiSecretKey: "trtcctlTestApiSecretKey000000000")
    static var sdkAppId: UInt32 { credentials.sdkAppId }
    static var secretKey: String { credentials.secretKey }
    static var secretId: String { credentials.secretId }
    static var apiSecretKey: String { credentials.apiSecretKey }

    let process: ServerProcess

    var url: String { process.url }
    var endpoint: String { process.endpoint }

    /// trtcctl's environment for the server API of this server.
    var apiEnvironment: [String: String] {
        ["TRTC_API_ENDPOINT": endpoint, "TRTC_SECRET_ID": Self.secretId, "TRTC_API_SECRET_KEY": Self.apiSecretKey,
         "TRTC_SDK_APP_ID": String(Self.sdkAppId), "TRTC_CA_FILE": process.caFile ?? ""]
    }

    static func start(arguments: [String] = []) async throws -> RoomServer {
        RoomServer(process: try await ServerProcess.start(credentials: credentials, departureTimeout: 30, extraArguments: arguments))
    }

    func stop() async { await process.stop() }
}

/// Runs `body` with a fresh server that is stopped afterwards, also when `body` throws.
func withRoomServer<T: Sendable>(arguments: [String] = [], _ body: (RoomServer) async throws -> T) async throws -> T {
    try await withStopping(try await RoomServer.start(arguments: arguments), stop: { await $0.stop() }, body)
}
