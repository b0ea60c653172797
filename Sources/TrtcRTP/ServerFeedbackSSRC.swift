/// The sender SSRC of trtc-server's own RTCP about a member's uplink (receiver reports, NACKs, PLIs, transport-wide
/// feedback; protocol.md "Uplink repair"): members are granted SSRCs from 1 up, never 0, so a publisher tells the
/// server's word about its first hop from the receivers' reports it relays.
public enum ServerFeedbackSSRC {
    public static let value: UInt32 = 0
}
