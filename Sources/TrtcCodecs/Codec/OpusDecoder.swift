import COpus

/// An Opus decoder (libopus) with loss concealment and in-band FEC recovery.
/// Not thread-safe: one owner per decoder.
public final class OpusDecoder {
    public let sampleRate: Int
    public let channels: Int
    private let decoder: OpaquePointer
    /// Room for the longest Opus packet (120 ms).
    private var pcmBuffer: [Float]

    public init(sampleRate: Int = 48_000, channels: Int = 1) throws(CodecError) {
        guard [8_000, 12_000, 16_000, 24_000, 48_000].contains(sampleRate), (1...2).contains(channels) else {
            throw .invalidConfiguration("Opus decoder \(sampleRate) Hz, \(channels) channels")
        }
        self.sampleRate = sampleRate
        self.channels = channels
        pcmBuffer = [Float](repeating: 0, count: sampleRate * 120 / 1000 * channels)
        var status: Int32 = 0
        guard let created = opus_decoder_create(Int32(sampleRate), Int32(channels), &status), status == trtc_opus_ok() else {
            throw OpusEncoder.error("decoder_create", status)
        }
        decoder = created
    }

    deinit {
        opus_decoder_destroy(decoder)
    }

    /// Decodes one received packet into interleaved samples in −1…1.
    public func decode(_ packet: [UInt8]) throws(CodecError) -> [Float] {
        guard !packet.isEmpty else { throw .invalidInput("empty Opus packet") }
        return try run(packet, frameSize: pcmBuffer.count / channels, recoverFromFEC: false, operation: "decode")
    }

    /// Fills one lost frame of `sampleCount` samples per channel. If the packet that followed the
    /// loss is given, its in-band FEC data rebuilds the lost audio; otherwise (or if it has none)
    /// libopus conceals the gap. Decode `nextPacket` itself afterwards as usual.
    public func decodeLost(sampleCount: Int, nextPacket: [UInt8]? = nil) throws(CodecError) -> [Float] {
        guard sampleCount > 0, sampleCount % (sampleRate / 400) == 0, sampleCount * channels <= pcmBuffer.count else {
            throw .invalidInput("lost frame of \(sampleCount) samples is not a multiple of 2.5 ms up to 120 ms")
        }
        if let nextPacket, !nextPacket.isEmpty {
            return try run(nextPacket, frameSize: sampleCount, recoverFromFEC: true, operation: "decode FEC")
        }
        return try run(nil, frameSize: sampleCount, recoverFromFEC: false, operation: "conceal loss")
    }

    /// Decodes into 16-bit samples, clamped.
    public func decodeInt16(_ packet: [UInt8]) throws(CodecError) -> [Int16] {
        try decode(packet).map { Int16(clamping: Int(($0 * 32767).rounded())) }
    }

    private func run(_ packet: [UInt8]?, frameSize: Int, recoverFromFEC: Bool, operation: String) throws(CodecError) -> [Float] {
        let decoded: Int32 = pcmBuffer.withUnsafeMutableBufferPointer { output in
            if let packet {
                packet.withUnsafeBufferPointer { input in
                    opus_decode_float(decoder, input.baseAddress, Int32(input.count), output.baseAddress!,
                                      Int32(frameSize), recoverFromFEC ? 1 : 0)
                }
            } else {
                opus_decode_float(decoder, nil, 0, output.baseAddress!, Int32(frameSize), 0)
            }
        }
        guard decoded >= 0 else { throw OpusEncoder.error(operation, decoded) }
        return Array(pcmBuffer[0..<Int(decoded) * channels])
    }
}
