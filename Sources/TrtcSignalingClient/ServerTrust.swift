import Foundation
import NIOSSL
import Synchronization

/// How a client verifies trtc-server's certificate on `wss://` and `https://`: against the system trust store, or against the
/// certificates of a CA file only (a private CA: `trtcd --ca-file`, `TRTC_CA_FILE`). Always full verification,
/// host name included; there is no way to switch it off.
public final class ServerTrust: Sendable {
    /// The CA file, if one was given (nil: the system trust store).
    public let caFile: String?
    private let roots: NIOSSLTrustRoots
    /// Made at the first `wss://` connection and reused: loading the system store costs milliseconds and memory that
    /// a daemon talking plain `ws://` to a loopback server should not pay.
    private let cached = Mutex<NIOSSLContext?>(nil)

    /// The system trust store (Debian: /etc/ssl/certs).
    public static let systemTrust = ServerTrust(roots: .default, caFile: nil)

    /// Trusts exactly the certificates in `caFile` (PEM). Throws a clear message if the file cannot be read or holds
    /// no certificate, so a daemon refuses to start rather than fail every entry.
    public init(caFile: String) throws(ServerTrustError) {
        // NIOSSL reports a missing file as a bad certificate; say which it is.
        guard FileManager.default.isReadableFile(atPath: caFile) else {
            throw ServerTrustError("cannot read the CA file \(caFile): no such file or not readable")
        }
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(caFile)
        } catch {
            throw ServerTrustError("cannot read the CA file \(caFile): not a PEM certificate file (\(error))")
        }
        guard !certificates.isEmpty else { throw ServerTrustError("the CA file \(caFile) holds no PEM certificate") }
        self.roots = .certificates(certificates)
        self.caFile = caFile
    }

    /// `caFile` nil: the system trust store.
    public static func trusting(caFile: String?) throws(ServerTrustError) -> ServerTrust {
        guard let caFile else { return .systemTrust }
        return try ServerTrust(caFile: caFile)
    }

    private init(roots: NIOSSLTrustRoots, caFile: String?) {
        self.roots = roots
        self.caFile = caFile
    }

    /// The verifying client context.
    package func context() throws -> NIOSSLContext {
        try cached.withLock { cached in
            if let cached { return cached }
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = roots
            configuration.certificateVerification = .fullVerification
            configuration.minimumTLSVersion = .tlsv12
            // After the server's WebSocket close the connection is done: waiting NIOSSL's default 5 s for a
            // close_notify the server may not send delayed every exit and daemon shutdown by 5 s.
            configuration.shutdownTimeout = .milliseconds(250)
            let context = try NIOSSLContext(configuration: configuration)
            cached = context
            return context
        }
    }

    /// Where the trust came from, for messages.
    package var trustDescription: String { caFile.map { "the CA file \($0)" } ?? "the system trust store" }
}

/// A CA file that cannot be used.
public struct ServerTrustError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
