import CSecureTransport

/// SRTP and SRTCP both ways with keys from one DTLS association (libsrtp2): outbound keyed by this side's key,
/// inbound by the peer's, any SSRC in each direction. In place on the caller's buffers.
final class SRTPSession {
    private let handle: OpaquePointer
    let profile: SRTPProfile

    /// The most any supported profile adds: RTCP with AES-GCM, 4 bytes of E flag and index plus a 16-byte tag.
    static let maxOverhead = 20

    init(profile: SRTPProfile, localKeySalt: [UInt8], remoteKeySalt: [UInt8]) throws(TransportError) {
        var error: Int32 = 0
        guard let handle = cst_srtp_new(profile.cProfile, localKeySalt, remoteKeySalt, localKeySalt.count, &error) else {
            throw TransportError(.srtp, "cannot create SRTP contexts for \(profile.rawValue): libsrtp2 error \(error)")
        }
        self.handle = handle
        self.profile = profile
    }

    deinit { cst_srtp_free(handle) }

    func protectRTP(_ packet: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(TransportError) -> Int {
        var length = length
        try check(cst_srtp_protect_rtp(handle, packet, &length, capacity), "protecting RTP")
        return length
    }

    func protectRTCP(_ packet: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(TransportError) -> Int {
        var length = length
        try check(cst_srtp_protect_rtcp(handle, packet, &length, capacity), "protecting RTCP")
        return length
    }

    func unprotectRTP(_ packet: UnsafeMutableRawPointer, length: Int) throws(TransportError) -> Int {
        var length = length
        try check(cst_srtp_unprotect_rtp(handle, packet, &length), "SRTP")
        return length
    }

    func unprotectRTCP(_ packet: UnsafeMutableRawPointer, length: Int) throws(TransportError) -> Int {
        var length = length
        try check(cst_srtp_unprotect_rtcp(handle, packet, &length), "SRTCP")
        return length
    }

    private func check(_ status: cst_srtp_status, _ what: String) throws(TransportError) {
        switch status {
        case CST_SRTP_OK: return
        case CST_SRTP_AUTHENTICATION_FAILED: throw TransportError(.srtpAuthentication, "\(what): authentication failed")
        case CST_SRTP_REPLAYED: throw TransportError(.srtpReplay, "\(what): replayed or too old packet index")
        case CST_SRTP_NO_ROOM: throw TransportError(.noRoom, "\(what): no room for the \(profile.rawValue) trailer")
        case CST_SRTP_MALFORMED: throw TransportError(.malformed, "\(what): malformed packet")
        default: throw TransportError(.srtp, "\(what): libsrtp2 failure")
        }
    }
}
