import CSecureTransport

/// A self-signed ECDSA P-256 certificate for DTLS, one per process (or per restart): its fingerprint goes to the
/// peer over signaling and is the only thing that identifies this side.
///
/// Immutable after creation: the underlying OpenSSL context is only read (SSL objects made from it), which
/// OpenSSL allows from any thread, so one certificate serves all connections.
public final class DTLSCertificate: @unchecked Sendable {
    /// Never mutated after init; freed in deinit.
    let handle: OpaquePointer
    public let fingerprint: CertificateFingerprint

    public static let validityDays: UInt32 = 30

    /// A new key pair and certificate, valid for 30 days (from an hour ago, for clock skew).
    public static func generate() throws(TransportError) -> DTLSCertificate {
        var error = [CChar](repeating: 0, count: 256)
        guard let handle = cst_certificate_generate(validityDays, &error, error.count) else {
            throw TransportError(.certificate, "cannot generate the DTLS certificate: " + String(cCharArray: error))
        }
        return DTLSCertificate(handle: handle)
    }

    private init(handle: OpaquePointer) {
        self.handle = handle
        var digest = [UInt8](repeating: 0, count: 32)
        cst_certificate_fingerprint_sha256(handle, &digest)
        fingerprint = CertificateFingerprint(sha256: digest)
    }

    deinit { cst_certificate_free(handle) }
}

extension String {
    /// A NUL-terminated C message buffer.
    init(cCharArray: [CChar]) {
        let bytes = cCharArray.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
