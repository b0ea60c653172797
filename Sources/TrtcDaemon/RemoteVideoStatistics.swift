import TrtcRTP

/// What a `RemoteVideoReceiver` showed: the last picture's size (as decoded, before any scaling to the node), the
/// render times' freeze count (which also counts the pictures), and its jitter buffer's and decoder's counts.
struct RemoteVideoStatistics: Sendable, Equatable {
    var width = 0
    var height = 0
    var freezes = VideoFreezeCounter()
    /// Cumulative, since the node was opened.
    var jitterBuffer = VideoJitterBuffer.Counters()
    /// The delay the jitter buffer adds now.
    var jitterBufferDelay: Duration = .zero
    var decoderErrors = 0
    /// How many temporal layers reach us now (`ReceivedLayerWindow`; 0: the stream has none).
    var receivedTemporalLayers = 0
}
