import TrtcRTP

/// One Opus packet as produced by `OpusEncoder`.
public struct EncodedAudioFrame: Sendable, Equatable {
    public var data: [UInt8]
    /// Samples per channel this packet covers.
    public var sampleCount: Int

    public init(data: [UInt8], sampleCount: Int) {
        self.data = data
        self.sampleCount = sampleCount
    }

    /// A DTX packet: silence, nothing worth sending.
    public var isSilence: Bool { OpusRTPPacketizer.isSilence(data) }
}
