/// How the send estimate (`MediaTransport.sendEstimate`, all streams with their packet overhead) is shared between
/// the encoders: audio first — it is small and what a call needs most — and video the rest, each within what the
/// application asked for (the ceiling). Opus keeps its bitrate unless the estimate leaves video less than its minimum:
/// at lower bitrates libopus drops in-band FEC, which is worth more on a lossy link than a few kbit/s of video.
///
/// On a lossy link video also leaves room for its repairs (`repairShare`): every lost packet is sent again, by us for
/// the uplink and by the SFU for each receiver's downlink, and a retransmission or its NACK is itself lost as often.
/// Without the room, 650 kbit/s of video at 10 % loss on each hop of a 1 Mbit/s path filled the link with ~20 % of
/// repairs: the round trip rose from 103 to 160–220 ms and a repair needing a third round missed its frame (issue 12).
struct SendBitrateAllocation: Equatable {
    var videoKbps: Int
    var audioKbps: Int

    static let minimumVideoKbps = 30
    static let minimumAudioKbps = 12
    /// Opus's packets cost ~24 kbit/s besides their payload (50/s × RTP, extension, SRTP tag, UDP and IP headers).
    static let audioOverheadKbps = 24
    /// Video's packet overhead at ~1,200-byte packets, and a margin so the queue drains when the estimate is right.
    static let videoShare = 0.92
    /// The most of video's share given to repairs (at 12.5 % loss and more).
    static let maximumRepairShare = 0.25

    /// `uplinkLossPercent`: the loss of our first hop as the server reports it (0–100). Below 2 % nothing is set aside (repairs are
    /// rare); above, twice the loss — ours and, assumed alike, the receivers' downlinks — at most `maximumRepairShare`.
    static func repairShare(uplinkLossPercent: Int) -> Double {
        uplinkLossPercent < 2 ? 0 : min(Double(uplinkLossPercent) * 2 / 100, maximumRepairShare)
    }

    /// `receiverLimitKbps`: the server's limit on our video (RTP, `MediaTransport.receiverLimitKbps`), which video's
    /// target stays under by its packet overhead (`videoShare`).
    init(estimateBitsPerSecond estimate: Int, requestedVideoKbps: Int, requestedAudioKbps: Int, uplinkLossPercent: Int = 0,
         receiverLimitKbps: Int? = nil) {
        let total = estimate / 1000
        audioKbps = min(max(total - Self.audioOverheadKbps - Self.minimumVideoKbps, Self.minimumAudioKbps), requestedAudioKbps)
        let forVideo = Double(total - audioKbps - Self.audioOverheadKbps) * Self.videoShare
        let forMedia = 1 - Self.repairShare(uplinkLossPercent: uplinkLossPercent)
        let ceiling = Int((Double(requestedVideoKbps) * forMedia).rounded())
        videoKbps = min(max(Int(forVideo * forMedia), Self.minimumVideoKbps), max(ceiling, min(requestedVideoKbps, Self.minimumVideoKbps)))
        if let receiverLimitKbps {
            videoKbps = min(videoKbps, max(Int(Double(receiverLimitKbps) * Self.videoShare), Self.minimumVideoKbps))
        }
    }

    /// The estimate (bits/s) at which video gets `videoKbps` beside `audioKbps` of audio: the inverse of `init`, the
    /// most the senders would use (the probes' ceiling).
    static func estimateCovering(videoKbps: Int, audioKbps: Int) -> Int {
        (Int((Double(videoKbps) / videoShare).rounded(.up)) + audioKbps + audioOverheadKbps) * 1000
    }

    /// The encoder needs a new target: a change of 5 % or more, or reaching the ceiling (small steps are noise and
    /// each `vpx_codec_enc_config_set` costs a little).
    static func worthApplying(_ new: Int, over current: Int, ceiling: Int) -> Bool {
        guard new != current else { return false }
        return new == ceiling || abs(new - current) * 20 >= current
    }
}
