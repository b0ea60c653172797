import TrtcCore

/// How much media one member may send the SFU (security finding H5): every accepted packet is decrypted and
/// re-encrypted once per receiver, so a member's rate times the room's fan-out is what it costs. Values, so they
/// cross from the configuration to the media event loop.
public struct MemberMediaLimits: Sendable, Equatable {
    /// RTP packets per second (audio, video and retransmissions together); bursts of twice that.
    public var rtpPacketsPerSecond: Int
    /// RTP bits per second (payload and headers as received); bursts of 2 s worth (a key frame arrives at once).
    public var rtpBitsPerSecond: Int
    /// RTCP packets (compounds) per second; bursts of twice that.
    public var rtcpPacketsPerSecond: Int

    /// Far above what a client of this protocol sends (1080p at 4 Mbit/s is ~400 packets/s; a receiver sends a few
    /// RTCP compounds a second, more while repairing loss), far below what one socket can flood.
    public static let standard = MemberMediaLimits(rtpPacketsPerSecond: 1_500, rtpBitsPerSecond: 10_000_000,
                                                   rtcpPacketsPerSecond: 100)
    /// No limit (benchmarks that measure the forwarding path itself).
    public static let unlimited = MemberMediaLimits(rtpPacketsPerSecond: 0, rtpBitsPerSecond: 0, rtcpPacketsPerSecond: 0)

    public init(rtpPacketsPerSecond: Int, rtpBitsPerSecond: Int, rtcpPacketsPerSecond: Int) {
        self.rtpPacketsPerSecond = rtpPacketsPerSecond
        self.rtpBitsPerSecond = rtpBitsPerSecond
        self.rtcpPacketsPerSecond = rtcpPacketsPerSecond
    }
}

/// One member's media budget, spent by each packet it sends after the packet authenticated (forged packets are
/// dropped before and cost nothing here, so nobody off the path can spend a member's budget). Media loop only, like
/// the routing table that holds it. A zero limit is no limit.
final class MemberMediaBudget {
    private var rtpPackets: TokenBucket?
    private var rtpBits: TokenBucket?
    private var rtcpPackets: TokenBucket?

    init(_ limits: MemberMediaLimits) {
        func bucket(_ rate: Int, burstSeconds: Double) -> TokenBucket? {
            rate > 0 ? TokenBucket(rate: Double(rate), capacity: Double(rate) * burstSeconds) : nil
        }
        rtpPackets = bucket(limits.rtpPacketsPerSecond, burstSeconds: 2)
        rtpBits = bucket(limits.rtpBitsPerSecond, burstSeconds: 2)
        rtcpPackets = bucket(limits.rtcpPacketsPerSecond, burstSeconds: 2)
    }

    /// Whether a packet of `bytes` may be forwarded now (and spends it if so). A refused packet spends nothing.
    func admit(isRTCP: Bool, bytes: Int, now: ContinuousClock.Instant) -> Bool {
        if isRTCP { return rtcpPackets?.spend(now: now) ?? true }
        // Bits first without spending packets on a refusal: check both, then take both.
        var packets = rtpPackets
        var bits = rtpBits
        guard packets?.spend(now: now) ?? true, bits?.spend(Double(bytes * 8), now: now) ?? true else { return false }
        rtpPackets = packets
        rtpBits = bits
        return true
    }
}
