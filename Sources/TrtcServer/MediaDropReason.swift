/// Why a media datagram was not forwarded: the `reason` label of `trtc_media_dropped_total`.
enum MediaDropReason: String, CaseIterable, Sendable {
    /// RTP/RTCP from an address no session has bound.
    case unbound
    /// A bind with a token no current session holds (never issued, or the session is gone).
    case badToken = "bad-token"
    /// A bind of a protocol version this server does not speak.
    case badVersion = "bad-version"
    /// From a bound address but with an SSRC that is not one of its session's.
    case badSsrc = "bad-ssrc"
    /// RTP of a kind (audio/video) the member does not publish now, or from an audience member.
    case notPublishing = "not-publishing"
    /// Neither a bind nor well-formed RTP/RTCP.
    case malformed
    /// Larger than any packet of the protocol.
    case tooLarge = "too-large"
    /// A forwarded copy not sent because the socket's send queue was full.
    case congested
}
