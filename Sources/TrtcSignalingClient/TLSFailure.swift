import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Turns a failed TLS handshake into a sentence that says why: the certificate is for another host, expired, or
/// not issued by a trusted CA. BoringSSL reports the last two alike (CERTIFICATE_VERIFY_FAILED), so for those one
/// more handshake fetches the server's certificate without trusting it, only to read its dates; nothing is sent.
package enum TLSFailure {
    package static func explain(_ error: any Error, url: ServerURL, tls: ServerTrust,
                        eventLoopGroup: any EventLoopGroup) async -> (any Error)? {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return SignalingClient.ConnectError(description:
                "TLS: wrong host: the server's certificate is not valid for \(url.host) (its subjectAltNames do not name it)")
        }
        guard case NIOSSLError.handshakeFailed(.sslError(let stack)) = error,
              stack.contains(where: { "\($0)".contains("CERTIFICATE_VERIFY_FAILED") }) else { return nil }
        let now = time(nil)
        if let leaf = await peerLeaf(url: url, eventLoopGroup: eventLoopGroup) {
            if leaf.notValidAfter < now {
                return SignalingClient.ConnectError(description:
                    "TLS: expired: the server's certificate expired on \(date(leaf.notValidAfter))")
            }
            if leaf.notValidBefore > now {
                return SignalingClient.ConnectError(description:
                    "TLS: expired: the server's certificate is not valid before \(date(leaf.notValidBefore))")
            }
        }
        return SignalingClient.ConnectError(description:
            "TLS: untrusted: the server's certificate is not issued by a CA in \(tls.trustDescription) (unknown CA)")
    }

    private static func date(_ time: time_t) -> String {
        Date(timeIntervalSince1970: TimeInterval(time)).formatted(.iso8601)
    }

    /// The server's leaf certificate, unverified, or nil if it cannot be had within 2 s.
    private static func peerLeaf(url: ServerURL, eventLoopGroup: any EventLoopGroup) async -> NIOSSLCertificate? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .noHostnameVerification
        guard let context = try? NIOSSLContext(configuration: configuration) else { return nil }
        let loop = eventLoopGroup.next()
        let leaf = loop.makePromise(of: NIOSSLCertificate?.self)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.seconds(2))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try NIOSSLClientHandler(
                        context: context, serverHostname: url.tlsServerName,
                        customVerificationCallback: { certificates, verdict in
                            // Seen, then refused: the handshake ends here.
                            leaf.succeed(certificates.first)
                            verdict.succeed(.failed)
                        })
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        guard let channel = try? await bootstrap.connect(host: url.host, port: url.port).get() else {
            leaf.succeed(nil)
            return nil
        }
        let timeout = loop.scheduleTask(in: .seconds(2)) { leaf.succeed(nil) }
        channel.closeFuture.whenComplete { _ in leaf.succeed(nil) }
        let result = try? await leaf.futureResult.get()
        timeout.cancel()
        try? await channel.close()
        return result
    }
}
