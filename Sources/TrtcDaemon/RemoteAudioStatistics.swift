/// What a `RemoteAudioReceiver` played, cumulative since its stream started (the `Statistics` entry's audio counts).
struct RemoteAudioStatistics: Sendable, Equatable {
    /// Samples played since the first: decoded, rebuilt or concealed, and silence while waiting for late packets.
    var totalSamples = 0
    /// Of those, samples not decoded from their own packet: Opus PLC and FEC for lost packets, and silence played while
    /// the jitter buffer ran dry (not the sender's DTX pauses).
    var concealedSamples = 0
    /// Of the concealed, samples rebuilt from the next packet's in-band FEC (tried when that packet is there; libopus
    /// falls back to PLC when it carries none).
    var fecSamples = 0
    /// The jitter buffer's target delay.
    var jitterBufferDelay: Duration = .zero
}
