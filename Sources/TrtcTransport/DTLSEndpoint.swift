import CSecureTransport

/// One DTLS 1.2 association (OpenSSL over memory, see CSecureTransport) and its retransmission deadline.
///
/// OpenSSL runs its retransmission timer on its own clock; `nextTimeout` translates what it has left into the
/// caller's `now`, so callers pass the real `ContinuousClock.now` to the timer methods.
final class DTLSEndpoint {
    enum Role {
        case client, server
    }

    private let handle: OpaquePointer
    let role: Role
    /// Keeps the certificate (and its OpenSSL context) alive as long as the association.
    private let certificate: DTLSCertificate
    private(set) var nextTimeout: ContinuousClock.Instant?

    init(certificate: DTLSCertificate, role: Role, remoteFingerprint: CertificateFingerprint,
         srtpProfiles: [SRTPProfile]) throws(TransportError) {
        guard !srtpProfiles.isEmpty else { throw TransportError(.dtls, "no SRTP protection profile to offer") }
        var error = [CChar](repeating: 0, count: 256)
        let profiles = srtpProfiles.map(\.rawValue).joined(separator: ":")
        let handle = remoteFingerprint.sha256.withUnsafeBufferPointer { fingerprint in
            cst_dtls_new(certificate.handle, role == .client ? CST_DTLS_ROLE_CLIENT : CST_DTLS_ROLE_SERVER,
                         fingerprint.baseAddress, profiles, &error, error.count)
        }
        guard let handle else { throw TransportError(.dtls, "cannot set up DTLS: " + String(cCharArray: error)) }
        self.handle = handle
        self.role = role
        self.certificate = certificate
    }

    deinit { cst_dtls_free(handle) }

    var state: cst_dtls_state { cst_dtls_get_state(handle) }

    var failure: String { String(cString: cst_dtls_failure(handle)) }

    /// Client: the ClientHello.
    func start(now: ContinuousClock.Instant) -> [[UInt8]] {
        _ = cst_dtls_start(handle)
        return drain(now: now)
    }

    func receive(_ datagram: UnsafeRawBufferPointer, now: ContinuousClock.Instant) -> [[UInt8]] {
        _ = cst_dtls_receive(handle, datagram.baseAddress, datagram.count)
        return drain(now: now)
    }

    /// Retransmits the last flight when OpenSSL's timer has run out.
    func handleTimeout(now: ContinuousClock.Instant) -> [[UInt8]] {
        guard let nextTimeout, now >= nextTimeout else { return [] }
        _ = cst_dtls_handle_timeout(handle)
        return drain(now: now)
    }

    /// close_notify, when connected.
    func shutdown(now: ContinuousClock.Instant) -> [[UInt8]] {
        cst_dtls_shutdown(handle)
        return drain(now: now)
    }

    var srtpProfile: SRTPProfile? { SRTPProfile(cst_dtls_srtp_profile(handle)) }

    /// Keys for this side's sending and receiving direction (RFC 5764 4.2).
    func exportSRTPKeys(profile: SRTPProfile) -> (local: [UInt8], remote: [UInt8])? {
        let length = cst_srtp_key_salt_length(profile.cProfile)
        var local = [UInt8](repeating: 0, count: length)
        var remote = [UInt8](repeating: 0, count: length)
        guard cst_dtls_export_srtp_keys(handle, &local, &remote, length) == 1 else { return nil }
        return (local, remote)
    }

    private func drain(now: ContinuousClock.Instant) -> [[UInt8]] {
        var datagrams: [[UInt8]] = []
        while true {
            let length = cst_dtls_next_outgoing_length(handle)
            if length == 0 { break }
            datagrams.append([UInt8](unsafeUninitializedCapacity: length) { buffer, count in
                count = cst_dtls_pop_outgoing(handle, buffer.baseAddress, length)
            })
        }
        var left: UInt64 = 0
        nextTimeout = cst_dtls_get_timeout(handle, &left) == 1 ? now + .microseconds(left) : nil
        return datagrams
    }
}
