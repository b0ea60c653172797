import Foundation
import NIOSSL

/// `--tls-cert` / `--tls-key`: the listener's certificate chain and key (PEM), checked at start-up so that a bad file
/// stops the server with a message instead of failing every handshake later.
public enum ServerTLS {
    /// The TLS context every accepted connection's `NIOSSLServerHandler` is made from.
    public static func context(certificateFile: String, keyFile: String) throws(ServerSetupError) -> NIOSSLContext {
        // NIOSSL reports a missing file as a bad certificate; say which it is.
        for (file, what) in [(certificateFile, "certificate"), (keyFile, "key")] where !FileManager.default.isReadableFile(atPath: file) {
            throw ServerSetupError("cannot read the TLS \(what) \(file): no such file or not readable")
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw ServerSetupError("cannot read the TLS certificate \(certificateFile): \(Self.reason(error))")
        }
        guard !chain.isEmpty else {
            throw ServerSetupError("the TLS certificate \(certificateFile) holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw ServerSetupError("cannot read the TLS key \(keyFile): \(Self.reason(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // A closed signaling connection is done: do not hold it (and its slot) 5 s for the peer's close_notify.
        configuration.shutdownTimeout = .milliseconds(250)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            // BoringSSL checks that the key belongs to the leaf certificate when the context is made.
            throw ServerSetupError(
                "the TLS key \(keyFile) does not fit the certificate \(certificateFile): \(Self.reason(error))")
        }
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case NIOSSLError.noSuchFilesystemObject: "no such file"
        case NIOSSLError.failedToLoadCertificate: "not a PEM certificate"
        case NIOSSLError.failedToLoadPrivateKey: "not a PEM private key"
        default: "\(error)"
        }
    }
}
