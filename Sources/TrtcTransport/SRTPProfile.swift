import CSecureTransport

/// The SRTP protection profile DTLS negotiated (RFC 5764, RFC 7714). AES-128-GCM is preferred.
public enum SRTPProfile: String, Sendable, CaseIterable {
    case aeadAES128GCM = "SRTP_AEAD_AES_128_GCM"
    case aes128CMHMACSHA1_80 = "SRTP_AES128_CM_SHA1_80"

    init?(_ profile: cst_srtp_profile) {
        switch profile {
        case CST_SRTP_PROFILE_AEAD_AES_128_GCM: self = .aeadAES128GCM
        case CST_SRTP_PROFILE_AES128_CM_SHA1_80: self = .aes128CMHMACSHA1_80
        default: return nil
        }
    }

    var cProfile: cst_srtp_profile {
        switch self {
        case .aeadAES128GCM: CST_SRTP_PROFILE_AEAD_AES_128_GCM
        case .aes128CMHMACSHA1_80: CST_SRTP_PROFILE_AES128_CM_SHA1_80
        }
    }

    /// Bytes protection adds to an RTP packet (the tag) and to an RTCP packet (E flag and index, then the tag).
    public var rtpOverhead: Int { cst_srtp_rtp_overhead(cProfile) }
    public var rtcpOverhead: Int { cst_srtp_rtcp_overhead(cProfile) }
}

/// What the DTLS layer produced for a datagram or a timer: datagrams to send, in order, and a state change.
public struct DTLSResult: Sendable {
    public var outgoing: [[UInt8]]
    public var event: DTLSEvent?

    public init(outgoing: [[UInt8]] = [], event: DTLSEvent? = nil) {
        self.outgoing = outgoing
        self.event = event
    }
}

public enum DTLSEvent: Sendable, Equatable {
    /// Handshake done, the peer's certificate matches its announced fingerprint, SRTP is ready both ways.
    case connected(SRTPProfile)
    /// Terminal, with the reason (e.g. the fingerprint mismatch, no SRTP profile in common, timeouts).
    case failed(String)
    /// The peer sent close_notify. Terminal.
    case closed
}
