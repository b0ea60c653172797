/// Settings for `OpusEncoder`. Defaults: 48 kHz mono VoIP, 20 ms frames, in-band FEC, DTX,
/// 32 kbit/s, expecting 10 % loss (as libwebrtc sets for voice on desktops, complexity 9).
public struct OpusEncoderConfiguration: Sendable, Equatable {
    public var sampleRate: Int = 48_000
    public var channels: Int = 1
    public var bitrateKbps: Int = 32
    /// Samples per channel in one frame: 960 = 20 ms at 48 kHz.
    public var frameSize: Int = 960
    public var inbandFEC: Bool = true
    public var discontinuousTransmission: Bool = true
    public var expectedPacketLossPercent: Int = 10
    public var complexity: Int = 9

    public init() {}

    func validate() throws(CodecError) {
        guard [8_000, 12_000, 16_000, 24_000, 48_000].contains(sampleRate) else {
            throw .invalidConfiguration("Opus sample rate \(sampleRate)")
        }
        guard (1...2).contains(channels) else { throw .invalidConfiguration("\(channels) Opus channels") }
        // Opus frames are 2.5, 5, 10, 20, 40 or 60 ms.
        let validFrameSizes = [400, 200, 100, 50, 25].map { sampleRate / $0 } + [sampleRate * 3 / 50]
        guard validFrameSizes.contains(frameSize) else { throw .invalidConfiguration("Opus frame size \(frameSize)") }
        guard (6...510).contains(bitrateKbps) else { throw .invalidConfiguration("Opus bitrate \(bitrateKbps) kbit/s") }
        guard (0...100).contains(expectedPacketLossPercent) else {
            throw .invalidConfiguration("packet loss \(expectedPacketLossPercent) %")
        }
        guard (0...10).contains(complexity) else { throw .invalidConfiguration("Opus complexity \(complexity)") }
    }
}
