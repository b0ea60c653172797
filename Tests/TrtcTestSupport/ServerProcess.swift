import Foundation

/// A real `trtc-server` process on loopback with a fresh state dir (embedded development credentials).
public final class ServerProcess: Sendable {
    public let process: ChildProcess
    public let port: Int
    public let sdkAppId: UInt32
    public let secretKey: String
    public let secretId: String
    public let apiSecretKey: String
    public let stateDir: URL

    public var url: String { "ws://127.0.0.1:\(port)" }
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public static func start(port: Int = 0, stateDir: URL? = nil, extraArguments: [String] = []) async throws -> ServerProcess {
        let state = try stateDir ?? BuiltProducts.temporaryDirectory("trtc-server-state")
        let process = try ChildProcess(BuiltProducts.executable("trtc-server"),
                                       ["--listen", "127.0.0.1:\(port)", "--media", "127.0.0.1:0", "--state-dir", state.path,
                                        "--log-level", "warning"] + extraArguments)
        try await process.waitForLine(containing: "applications:")
        func field(_ label: String) throws -> String {
            guard let line = process.output.first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label + " ") }) else {
                throw ProcessFailure("trtc-server banner lacks \(label): \(process.output)")
            }
            return line.trimmingCharacters(in: .whitespaces).dropFirst(label.count).trimmingCharacters(in: .whitespaces)
        }
        let signaling = try field("signaling")
        guard let portText = signaling.split(separator: ":").last?.split(separator: "/").first, let realPort = Int(portText) else {
            throw ProcessFailure("cannot read the port from \(signaling)")
        }
        return ServerProcess(process: process, port: realPort, sdkAppId: UInt32(try field("sdkAppId")) ?? 0,
                             secretKey: try field("secretKey"), secretId: try field("SecretId"),
                             apiSecretKey: try field("SecretKey"), stateDir: state)
    }

    init(process: ChildProcess, port: Int, sdkAppId: UInt32, secretKey: String, secretId: String, apiSecretKey: String, stateDir: URL) {
        self.process = process
        self.port = port
        self.sdkAppId = sdkAppId
        self.secretKey = secretKey
        self.secretId = secretId
        self.apiSecretKey = apiSecretKey
        self.stateDir = stateDir
    }

    public func stop() async { await process.stop() }
}
