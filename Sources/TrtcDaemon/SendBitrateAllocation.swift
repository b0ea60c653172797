/// How the send estimate (`MediaTransport.sendEstimate`, all streams with their packet overhead) is shared between
/// the encoders: audio first — it is small and what a call needs most — and video the rest, each within what the
/// application asked for (the ceiling). Opus keeps its bitrate unless the estimate leaves video less than its minimum:
/// at lower bitrates libopus drops in-band FEC, which is worth more on a lossy link than a few kbit/s of video.
struct SendBitrateAllocation: Equatable {
    var videoKbps: Int
    var audioKbps: Int

    static let minimumVideoKbps = 30
    static let minimumAudioKbps = 12
    /// Opus's packets cost ~24 kbit/s besides their payload (50/s × RTP, extension, SRTP tag, UDP and IP headers).
    static let audioOverheadKbps = 24
    /// Video's packet overhead at ~1,200-byte packets, and a margin so the queue drains when the estimate is right.
    static let videoShare = 0.92

    init(estimateBitsPerSecond estimate: Int, requestedVideoKbps: Int, requestedAudioKbps: Int) {
        let total = estimate / 1000
        audioKbps = min(max(total - Self.audioOverheadKbps - Self.minimumVideoKbps, Self.minimumAudioKbps), requestedAudioKbps)
        let forVideo = Double(total - audioKbps - Self.audioOverheadKbps) * Self.videoShare
        videoKbps = min(max(Int(forVideo), Self.minimumVideoKbps), requestedVideoKbps)
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
