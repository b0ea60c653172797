/// What a `RemoteAudioReceiver` played, cumulative since its stream started (the `Statistics` entry's audio counts).
struct RemoteAudioStatistics: Sendable, Equatable {
    /// Samples played since the first: decoded, rebuilt or concealed, and silence while waiting for late packets.
    var totalSamples = 0
    /// Of those, samples concealed: Opus PLC for lost packets, and silence played while the jitter buffer ran dry (not
    /// the sender's DTX pauses). Not those rebuilt from in-band FEC: as in WebRTC's `concealedSamples`, that is
    /// decoded audio (of the next packet's lower-rate copy).
    var concealedSamples = 0
    /// Samples of lost packets rebuilt from the next packet's in-band FEC (counted when that packet carries FEC data).
    var fecSamples = 0
    /// The jitter buffer's target delay.
    var jitterBufferDelay: Duration = .zero
}
