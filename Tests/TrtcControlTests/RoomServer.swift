import Foundation
import TrtcTestSupport

/// A real trtc-server process on a free loopback port, with a known app and API credential.
struct RoomServer: Sendable {
    static let sdkAppId: UInt32 = 1_400_000_001
    static let secretKey = "trtcctl-test-app-secret"
    static let secretId = "AKIDtrtcctlTestSecretId000000000000"
    static let apiSecretKey = "trtcctlTestApiSecretKey000000000"

    let process: ChildProcess
    let port: Int
    let stateDir: URL

    var url: String { "ws://127.0.0.1:\(port)" }
    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// trtcctl's environment for the server API of this server.
    var apiEnvironment: [String: String] {
        ["TRTC_API_ENDPOINT": endpoint, "TRTC_SECRET_ID": Self.secretId, "TRTC_API_SECRET_KEY": Self.apiSecretKey,
         "TRTC_SDK_APP_ID": String(Self.sdkAppId)]
    }

    static func start() async throws -> RoomServer {
        let state = try BuiltProducts.temporaryDirectory("trtcctl-server-state")
        let process = try ChildProcess(BuiltProducts.executable("trtc-server"), [
            "--listen", "127.0.0.1:0", "--media", "127.0.0.1:0", "--state-dir", state.path,
            "--app", "\(sdkAppId):\(secretKey)", "--api-credential", "\(secretId):\(apiSecretKey)",
            "--departure-timeout", "30", "--log-level", "warning",
        ])
        let signaling = try await process.waitForLine(containing: "signaling")
        // "  signaling   ws://127.0.0.1:PORT/trtc/v1/signal"
        guard let address = signaling.split(separator: " ").last, let hostPort = address.split(separator: "/").dropFirst().first,
              let port = hostPort.split(separator: ":").last.flatMap({ Int($0) })
        else { throw TestFailure("cannot read the port from \(signaling.debugDescription)") }
        return RoomServer(process: process, port: port, stateDir: state)
    }

    func stop() async {
        await process.stop()
        try? FileManager.default.removeItem(at: stateDir)
    }
}

/// Runs `body` with a fresh server that is stopped afterwards, also when `body` throws.
func withRoomServer<T: Sendable>(_ body: (RoomServer) async throws -> T) async throws -> T {
    let server = try await RoomServer.start()
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}
