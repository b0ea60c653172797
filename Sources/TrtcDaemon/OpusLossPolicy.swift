/// What Opus is told about loss (`OPUS_SET_PACKET_LOSS_PERC`) for a measured uplink loss: the levels libwebrtc uses
/// (`audio_encoder_opus.cc`, OptimizePacketLossRate) — 0, 1, 5, 10 or 20 %, the highest not above the measurement.
/// Below 1 % Opus spends no bits on in-band FEC; above 20 % more FEC would starve the primary encoding.
enum OpusLossPolicy {
    static let levels = [20, 10, 5, 1]

    static func encoderPercent(measured: Int) -> Int {
        levels.first { measured >= $0 } ?? 0
    }
}
