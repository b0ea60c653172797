import COpus

/// An Opus encoder (libopus, OPUS_APPLICATION_VOIP). Not thread-safe: one owner per encoder.
public final class OpusEncoder {
    public private(set) var configuration: OpusEncoderConfiguration
    private let encoder: OpaquePointer
    private var packetBuffer = [UInt8](repeating: 0, count: 4000)

    public init(configuration: OpusEncoderConfiguration = OpusEncoderConfiguration()) throws(CodecError) {
        try configuration.validate()
        self.configuration = configuration
        var status: Int32 = 0
        guard let created = opus_encoder_create(
            Int32(configuration.sampleRate), Int32(configuration.channels), trtc_opus_application_voip(), &status),
            status == trtc_opus_ok()
        else {
            throw Self.error("encoder_create", status)
        }
        encoder = created
        do {
            try check(trtc_opus_set_bitrate(encoder, Int32(configuration.bitrateKbps * 1000)), "set bitrate")
            try check(trtc_opus_set_inband_fec(encoder, configuration.inbandFEC ? 1 : 0), "set inband FEC")
            try check(trtc_opus_set_dtx(encoder, configuration.discontinuousTransmission ? 1 : 0), "set DTX")
            try check(trtc_opus_set_packet_loss_perc(encoder, Int32(configuration.expectedPacketLossPercent)), "set packet loss")
            try check(trtc_opus_set_complexity(encoder, Int32(configuration.complexity)), "set complexity")
            try check(trtc_opus_set_signal_voice(encoder), "set signal")
        } catch {
            opus_encoder_destroy(encoder)
            throw error
        }
    }

    deinit {
        opus_encoder_destroy(encoder)
    }

    public func setBitrate(kbps: Int) throws(CodecError) {
        var updated = configuration
        updated.bitrateKbps = kbps
        try updated.validate()
        try check(trtc_opus_set_bitrate(encoder, Int32(kbps * 1000)), "set bitrate")
        configuration = updated
    }

    /// Tells the encoder how much loss to protect against with FEC (from RTCP receiver reports).
    public func setExpectedPacketLoss(percent: Int) throws(CodecError) {
        var updated = configuration
        updated.expectedPacketLossPercent = percent
        try updated.validate()
        try check(trtc_opus_set_packet_loss_perc(encoder, Int32(percent)), "set packet loss")
        configuration = updated
    }

    /// Encodes exactly one frame (`frameSize × channels` interleaved samples in −1…1).
    public func encode(_ samples: [Float]) throws(CodecError) -> EncodedAudioFrame {
        try checkLength(samples.count)
        let length = samples.withUnsafeBufferPointer { input in
            packetBuffer.withUnsafeMutableBufferPointer { output in
                opus_encode_float(encoder, input.baseAddress!, Int32(configuration.frameSize), output.baseAddress!, Int32(output.count))
            }
        }
        return try frame(length)
    }

    /// Encodes exactly one frame (`frameSize × channels` interleaved 16-bit samples).
    public func encode(_ samples: [Int16]) throws(CodecError) -> EncodedAudioFrame {
        try checkLength(samples.count)
        let length = samples.withUnsafeBufferPointer { input in
            packetBuffer.withUnsafeMutableBufferPointer { output in
                opus_encode(encoder, input.baseAddress!, Int32(configuration.frameSize), output.baseAddress!, Int32(output.count))
            }
        }
        return try frame(length)
    }

    private func checkLength(_ count: Int) throws(CodecError) {
        let expected = configuration.frameSize * configuration.channels
        guard count == expected else {
            throw .invalidInput("Opus frame needs \(expected) samples, got \(count) (use AudioFramer)")
        }
    }

    private func frame(_ length: Int32) throws(CodecError) -> EncodedAudioFrame {
        guard length >= 0 else { throw Self.error("encode", length) }
        return EncodedAudioFrame(data: Array(packetBuffer[0..<Int(length)]), sampleCount: configuration.frameSize)
    }

    private func check(_ status: Int32, _ operation: String) throws(CodecError) {
        guard status == trtc_opus_ok() else { throw Self.error(operation, status) }
    }

    static func error(_ operation: String, _ status: Int32) -> CodecError {
        .opus(operation: operation, code: status, message: String(cString: opus_strerror(status)))
    }
}
