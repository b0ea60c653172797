/// The payload types of this protocol's RTP streams (docs/protocol.md §2). They are fixed, not negotiated: there is
/// no SDP, so every sender and receiver uses these numbers from the dynamic range (RFC 3551 §6).
public enum RTPPayloadType {
    /// VP8 video (RFC 7741), 90 kHz RTP clock.
    public static let vp8: UInt8 = 96
    /// Opus audio (RFC 7587), 48 kHz RTP clock.
    public static let opus: UInt8 = 111
}
