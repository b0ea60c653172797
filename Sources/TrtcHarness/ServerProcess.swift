import Foundation
import TrtcClient
import TrtcCore

/// A `trtc-server` process on free loopback ports: its own resident memory and CPU, apart from its clients'.
/// Its port and, unless given, its development credentials come from its start-up banner.
public final class ServerProcess: ServerHTTPEndpoint, Sendable {
    /// How to launch the server: an executable and the arguments that come before trtc-server's own flags
    /// (e.g. trtc-bench's `trtc-server` subcommand).
    public struct Launcher: Sendable, CustomStringConvertible {
        public var executable: URL
        public var leadingArguments: [String]

        public init(executable: URL, leadingArguments: [String] = []) {
            self.executable = executable
            self.leadingArguments = leadingArguments
        }

        /// The package's built `trtc-server`.
        public static var built: Launcher { Launcher(executable: BuiltProducts.executable("trtc-server")) }

        public var description: String { ([executable.path] + leadingArguments).joined(separator: " ") }
    }

    public let process: ChildProcess
    public let port: Int
    public let credentials: ServerCredentials
    /// Kept after `stop()`, so that a server can be started again on it (same development credentials); one the
    /// server was given is never removed, one made for it goes when this object does.
    public let stateDir: URL
    private let ownsStateDir: Bool

    public var pid: Int32 { process.pid }
    public var sdkAppId: UInt32 { credentials.sdkAppId }
    public var secretKey: String { credentials.secretKey }
    public var secretId: String { credentials.secretId }
    public var apiSecretKey: String { credentials.apiSecretKey }
    /// The CA that signed its certificate (`TestPKI.caFile`); nil when it speaks plaintext.
    public let caFile: String?
    public var secure: Bool { caFile != nil }
    /// What a client in the test process verifies it with (the test CA; the system store when plaintext).
    public let trust: ServerTrust
    public var url: String { url(host: "127.0.0.1") }
    /// The signaling URL through another name of this host (`localhost`, `[::1]` are in the test certificate).
    public func url(host: String) -> String { "\(secure ? "wss" : "ws")://\(host):\(port)" }
    /// The server API's endpoint.
    public var endpoint: String { "\(secure ? "https" : "http")://127.0.0.1:\(port)" }
    public var httpBase: String { endpoint }

    /// Starts the server and returns once its banner has been printed. `credentials` nil: the development
    /// credentials it keeps in `stateDir` (a fresh directory unless given). `departureTimeout` in seconds.
    /// `certificate`: TLS with that certificate of the test PKI (by default the valid one); nil: plaintext.
    public static func start(_ launcher: Launcher = .built, port: Int = 0, stateDir: URL? = nil,
                             certificate: TestPKI.Certificate? = .valid,
                             credentials: ServerCredentials? = nil, departureTimeout: Double? = nil,
                             logLevel: String = "warning", extraArguments: [String] = [],
                             timeout: Duration = .seconds(20)) async throws -> ServerProcess {
        let pki = certificate == nil ? nil : try await TestPKI.shared()
        let tlsArguments = certificate.flatMap { certificate in
            pki.map { ["--tls-cert", $0.certificateFile(certificate), "--tls-key", $0.serverKey] }
        } ?? []
        let state = try stateDir ?? BuiltProducts.temporaryDirectory("trtc-server-state")
        let process = try ChildProcess(
            launcher.executable,
            launcher.leadingArguments
                + ["--listen", "127.0.0.1:\(port)", "--media", "127.0.0.1:0", "--state-dir", state.path]
                + (credentials?.serverArguments ?? [])
                + (departureTimeout.map { ["--departure-timeout", String($0)] } ?? [])
                + tlsArguments + ["--log-level", logLevel] + extraArguments,
            name: "trtc-server")
        do {
            let signaling = try await process.waitForLine(containing: "signaling", timeout: timeout)
            guard let realPort = ServerBanner.signalingPort(inLine: signaling) else {
                throw ProcessFailure("cannot read the port from \(signaling.debugDescription)")
            }
            let used: ServerCredentials
            if let credentials { used = credentials } else {
                used = try await ServerBanner.developmentCredentials(of: process, stateDir: state, timeout: timeout)
            }
            return ServerProcess(process: process, port: realPort, credentials: used, caFile: pki?.caFile, stateDir: state,
                                 ownsStateDir: stateDir == nil)
        } catch {
            await process.stop()
            if stateDir == nil { try? FileManager.default.removeItem(at: state) }
            throw error
        }
    }

    private init(process: ChildProcess, port: Int, credentials: ServerCredentials, caFile: String?, stateDir: URL,
                 ownsStateDir: Bool) {
        self.process = process
        self.caFile = caFile
        self.trust = (try? ServerTrust.trusting(caFile: caFile)) ?? .systemTrust
        self.port = port
        self.credentials = credentials
        self.stateDir = stateDir
        self.ownsStateDir = ownsStateDir
    }

    /// SIGTERM (the graceful path), then SIGKILL if it has not exited within `grace`.
    public func stop(grace: Duration = .seconds(5)) async { await process.stop(grace: grace) }

    deinit {
        if ownsStateDir { try? FileManager.default.removeItem(at: stateDir) }
    }
}
