/// One Opus packet as produced by `OpusEncoder`.
public struct EncodedAudioFrame: Sendable, Equatable {
    public var data: [UInt8]
    /// Samples per channel this packet covers.
    public var sampleCount: Int

    public init(data: [UInt8], sampleCount: Int) {
        self.data = data
        self.sampleCount = sampleCount
    }

    /// With DTX, libopus signals "silence, nothing worth sending" by a packet of at most 2 bytes;
    /// such packets are not transmitted (RFC 7587 §3.1.3).
    public var isSilence: Bool { data.count <= 2 }
}
