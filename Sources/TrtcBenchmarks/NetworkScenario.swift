import TrtcNetLab

/// One network condition of `trtc-bench network` (issue 12 §3): what the relay between each trtcd and trtc-server
/// does in each direction. Both trtcds share the relay (the server announces it), so the publisher's video crosses
/// the uplink's impairments and the viewer's the downlink's: with 50 ms each way, each trtcd has a 100 ms round trip
/// to the server, and glass-to-glass adds both hops' one-way delays.
struct NetworkScenario: Sendable {
    /// Short name for `--scenarios`.
    var name: String
    /// What the table says.
    var title: String
    /// Each direction's impairments (the compact form of `ImpairmentProfile`).
    var profile: String
    /// The link's capacity, when limited: the video bitrate is lowered to fit (`fittingBitrate`).
    var capacityKbps: Int?
    /// A 2 s outage in both directions, placed in the measured window.
    var outage: Duration?
    /// A second viewer behind a relay of its own with these impairments (issue 14: one receiver limited, one not);
    /// the table's video columns stay the first viewer's, the second one's figures come from its `Statistics`.
    var limitedViewerProfile: String?
    /// Congestion-control scenarios (issue 14): the video is published at the requested bitrate and trtcd's send-side
    /// estimator finds what the link carries; the report shows the estimate and the sent rate over time.
    var adaptive = false
    /// RFC 8868's fairness case (issue 14): a second publisher, and both publishers' uplinks cross the relay, which
    /// serialises every client's datagrams through one capacity and one queue (`ImpairedLink` per direction). The
    /// server announces the relay to the publishers only, so the viewer's link is clean.
    var twoPublishers = false
    /// The relay's server → client direction, when not `profile` (fair2: only the uplink is the bottleneck).
    var downlinkProfile: String?

    /// Share of a limited link the video may take, leaving room for audio (~32 kbit/s plus ~25 kbit/s of packet
    /// headers at 50 packets/s), RTP/SRTP/UDP/IP overhead (~5 %), retransmissions and key-frame bursts.
    static let videoShareOfCapacity = 0.65

    /// A 300 ms drop-tail queue at 1 Mbit/s (RFC 8867's test cases use 300 ms).
    static let limited = "rate=1mbit,queue=37500b,delay=50ms"

    static let all: [NetworkScenario] = [
        NetworkScenario(name: "clean", title: "clean loopback", profile: ""),
        NetworkScenario(name: "loss2", title: "1 Mbit/s, 100 ms RTT, 2 % random loss", profile: limited + ",loss=2%", capacityKbps: 1000),
        NetworkScenario(name: "loss5", title: "1 Mbit/s, 100 ms RTT, 5 % random loss", profile: limited + ",loss=5%", capacityKbps: 1000),
        NetworkScenario(name: "loss10", title: "1 Mbit/s, 100 ms RTT, 10 % random loss", profile: limited + ",loss=10%", capacityKbps: 1000),
        NetworkScenario(name: "burst5", title: "1 Mbit/s, 100 ms RTT, 5 % bursty loss (mean burst 3)",
                        profile: limited + ",loss=5%,burst=3", capacityKbps: 1000),
        NetworkScenario(name: "jitter20", title: "100 ms RTT, ±20 ms jitter", profile: "delay=50ms,jitter=20ms"),
        NetworkScenario(name: "jitter50", title: "100 ms RTT, ±50 ms jitter", profile: "delay=50ms,jitter=50ms"),
        NetworkScenario(name: "outage", title: "100 ms RTT, 2 s outage", profile: "delay=50ms", outage: .seconds(2)),
        NetworkScenario(name: "layers", title: "two viewers, one limited to 300 kbit/s (300 ms queue, 50 ms one way)", profile: "",
                        limitedViewerProfile: "rate=300kbit,queue=11250b,delay=50ms"),
        // Issue 14 §3: the only viewer is the narrow one; the server holds the publisher to its link (RTCP REMB).
        NetworkScenario(name: "narrow300", title: "one viewer behind 300 kbit/s (300 ms queue), 100 ms RTT, requested bitrate (adaptive)",
                        profile: "delay=50ms", adaptive: true, downlinkProfile: "rate=300kbit,queue=11250b,delay=50ms"),
        // Issue 14: no fitting, the estimator adapts. A 300 ms queue: 19 kB at 500 kbit/s, 37.5 kB at 1 Mbit/s.
        NetworkScenario(name: "cap500", title: "500 kbit/s, 100 ms RTT, requested bitrate (adaptive)",
                        profile: "rate=500kbit,queue=19kb,delay=50ms", capacityKbps: 500, adaptive: true),
        NetworkScenario(name: "loss5cc", title: "1 Mbit/s, 100 ms RTT, 5 % random loss, requested bitrate (adaptive)",
                        profile: limited + ",loss=5%", capacityKbps: 1000, adaptive: true),
        NetworkScenario(name: "steps", title: "RFC 8867 §5.1 capacity 1.0 → 2.5 → 0.6 → 1.0 Mbit/s at 0/40/60/80 s (adaptive)",
                        profile: "rates=0s:1mbit/40s:2500kbit/60s:600kbit/80s:1mbit,queue=300ms,delay=50ms", capacityKbps: 1000,
                        adaptive: true),
        // 300 ms at 1.5 Mbit/s is 56.25 kB; the return path (feedback) only delayed.
        NetworkScenario(name: "fair2", title: "two publishers sharing one 1.5 Mbit/s uplink, 100 ms RTT, requested bitrate (adaptive)",
                        profile: "rate=1500kbit,queue=56250b,delay=50ms", capacityKbps: 1500, adaptive: true, twoPublishers: true,
                        downlinkProfile: "delay=50ms"),
    ]

    /// The capacity (kbit/s) at `elapsed` since the relay started, when limited.
    func capacityKbps(at elapsed: Duration) -> Int? {
        guard let steps = try? impairment().capacity, !steps.isEmpty else { return nil }
        return steps.last { $0.from <= elapsed }.map { $0.bitsPerSecond / 1000 }
    }

    /// The video bitrate to publish at: the requested one, or on a limited link at most its share of the capacity.
    func fittingBitrate(_ requested: Int) -> Int {
        guard let capacityKbps, !adaptive else { return requested }
        return min(requested, Int(Double(capacityKbps) * Self.videoShareOfCapacity))
    }

    func impairment() throws -> ImpairmentProfile {
        try ImpairmentProfile(parsing: profile)
    }

    func downlinkImpairment() throws -> ImpairmentProfile {
        try ImpairmentProfile(parsing: downlinkProfile ?? profile)
    }
}
