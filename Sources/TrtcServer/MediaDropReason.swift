import TrtcTransport

/// Why a media datagram was not forwarded or answered: the `reason` label of `trtc_media_dropped_total`.
enum MediaDropReason: String, CaseIterable, Sendable {
    /// DTLS or SRTP from an address that has not passed a connectivity check for a current session.
    case unconsented
    /// A STUN datagram that is not a binding request naming a current session's ufrag.
    case unknownUfrag = "unknown-ufrag"
    /// A binding request that failed MESSAGE-INTEGRITY or FINGERPRINT (never answered).
    case badIntegrity = "bad-integrity"
    /// A binding request whose transaction id this session already saw (a replayed check).
    case replayedCheck = "replayed-check"
    /// DTLS records the session's handshake rejected, or DTLS after a failed handshake.
    case dtls
    /// SRTP/SRTCP before the session's DTLS handshake finished.
    case notSecure = "not-secure"
    /// SRTP/SRTCP whose authentication tag does not verify (forged, corrupted, or injected).
    case srtpAuthentication = "srtp-authentication"
    /// SRTP/SRTCP already received (a replay).
    case srtpReplay = "srtp-replay"
    /// From a selected address but with an SSRC that is not its session's.
    case badSsrc = "bad-ssrc"
    /// RTP of a kind (audio/video) the member does not publish now, or from an audience member.
    case notPublishing = "not-publishing"
    /// No known kind (RFC 7983 first byte), or not well-formed RTP/RTCP once decrypted.
    case malformed
    /// Larger than any packet of the protocol.
    case tooLarge = "too-large"
    /// A forwarded copy not sent because the socket's send queue was full.
    case congested
    /// A valid check whose answer would be larger than the check (answered never: no amplification).
    case answerTooLarge = "answer-too-large"
    /// A forwarded copy not sent because its receiver's consent lapsed (no valid check for 30 s).
    case consentExpired = "consent-expired"
    /// Authentic RTP or RTCP beyond its member's rate limits (`MemberMediaLimits`).
    case rateLimited = "rate-limited"
    /// A copy for a receiver whose privateMapKey lacks the receive bit of its kind, or such a receiver's NACK or PLI.
    case notPermitted = "not-permitted"
}


extension MediaDropReason {
    /// How the media socket counts a datagram the transport refused.
    init(_ reason: TransportDropReason) {
        switch reason {
        case .malformed: self = .malformed
        case .unexpectedSTUN, .unknownUsername: self = .unknownUfrag
        case .badIntegrity, .badFingerprint, .roleConflict: self = .badIntegrity
        case .amplification: self = .answerTooLarge
        case .replayedTransaction: self = .replayedCheck
        case .unconsentedAddress: self = .unconsented
        case .dtlsNotReady: self = .notSecure
        case .srtpAuthentication: self = .srtpAuthentication
        case .srtpReplay: self = .srtpReplay
        case .srtpFailure: self = .malformed
        }
    }

    /// How the media socket counts a packet that did not decrypt.
    init(unprotectError error: any Error) {
        if let error = error as? TransportError { self.init(error.dropReason) } else { self = .malformed }
    }
}

/// Why a part of a member's RTCP compound was not passed on (security finding H5): the `reason` label of
/// `trtc_media_rtcp_refused_total`.
enum RTCPRefusal: String, CaseIterable, Sendable {
    /// A packet whose sender SSRC is not one of the member's.
    case foreignSSRC = "foreign-ssrc"
    /// A sender report for a stream the member does not publish now.
    case notPublishing = "not-publishing"
    /// A report block about a stream the member does not receive (nobody else in its room publishes it now, or its
    /// privateMapKey lacks the kind's receive bit).
    case notReceiving = "not-receiving"
    /// A packet type the SFU does not relay (SDES, BYE, APP, feedback other than generic NACK and PLI).
    case notRelayed = "not-relayed"
    /// Transport feedback naming more packets than a receiver's downlink estimate keeps (`DownlinkEstimate`).
    case tooManyStatuses = "too-many-statuses"
}
