import CSecureTransport

/// The DTLS association and, once it is done, the SRTP contexts keyed from it: what the server's and the
/// client's media connections share.
final class SecureChannel {
    private let dtls: DTLSEndpoint
    private(set) var srtp: SRTPSession?
    /// Set once, when the association fails (DTLS or SRTP set-up).
    private(set) var failure: String?
    /// The DTLS state the last event reported, so each change is reported once.
    private var reportedState = CST_DTLS_HANDSHAKING

    init(certificate: DTLSCertificate, role: DTLSEndpoint.Role, remoteFingerprint: CertificateFingerprint,
         srtpProfiles: [SRTPProfile]) throws(TransportError) {
        dtls = try DTLSEndpoint(certificate: certificate, role: role, remoteFingerprint: remoteFingerprint,
                                srtpProfiles: srtpProfiles)
    }

    var nextTimeout: ContinuousClock.Instant? { dtls.nextTimeout }
    var isSecure: Bool { srtp != nil }
    var isFinished: Bool { reportedState == CST_DTLS_FAILED || reportedState == CST_DTLS_CLOSED }

    func start(now: ContinuousClock.Instant) -> DTLSResult {
        settle(dtls.start(now: now))
    }

    func receive(_ datagram: UnsafeRawBufferPointer, now: ContinuousClock.Instant) -> DTLSResult {
        settle(dtls.receive(datagram, now: now))
    }

    func handleTimeout(now: ContinuousClock.Instant) -> DTLSResult {
        settle(dtls.handleTimeout(now: now))
    }

    /// close_notify when connected; SRTP stops at once.
    func close(now: ContinuousClock.Instant) -> [[UInt8]] {
        let outgoing = dtls.shutdown(now: now)
        srtp = nil
        reportedState = dtls.state
        return outgoing
    }

    private func settle(_ outgoing: [[UInt8]]) -> DTLSResult {
        let state = dtls.state
        guard state != reportedState else { return DTLSResult(outgoing: outgoing) }
        reportedState = state
        switch state {
        case CST_DTLS_CONNECTED:
            guard let profile = dtls.srtpProfile, let keys = dtls.exportSRTPKeys(profile: profile) else {
                return fail("DTLS connected without usable SRTP keying material", outgoing)
            }
            do {
                srtp = try SRTPSession(profile: profile, localKeySalt: keys.local, remoteKeySalt: keys.remote)
            } catch {
                return fail(error.message, outgoing)
            }
            return DTLSResult(outgoing: outgoing, event: .connected(profile))
        case CST_DTLS_FAILED:
            return fail(dtls.failure, outgoing)
        case CST_DTLS_CLOSED:
            srtp = nil
            return DTLSResult(outgoing: outgoing, event: .closed)
        default:
            return DTLSResult(outgoing: outgoing)
        }
    }

    private func fail(_ reason: String, _ outgoing: [[UInt8]]) -> DTLSResult {
        failure = reason
        srtp = nil
        reportedState = CST_DTLS_FAILED
        return DTLSResult(outgoing: outgoing, event: .failed(reason))
    }

    // MARK: SRTP

    private func session() throws(TransportError) -> SRTPSession {
        guard let srtp else { throw TransportError(.notSecure, failure.map { "DTLS failed: \($0)" } ?? "SRTP is not ready: DTLS handshake not done") }
        return srtp
    }

    func protectRTP(_ packet: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(TransportError) -> Int {
        try session().protectRTP(packet, length: length, capacity: capacity)
    }

    func protectRTCP(_ packet: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(TransportError) -> Int {
        try session().protectRTCP(packet, length: length, capacity: capacity)
    }

    func unprotectRTP(_ packet: UnsafeMutableRawPointer, length: Int) throws(TransportError) -> Int {
        try session().unprotectRTP(packet, length: length)
    }

    func unprotectRTCP(_ packet: UnsafeMutableRawPointer, length: Int) throws(TransportError) -> Int {
        try session().unprotectRTCP(packet, length: length)
    }
}
