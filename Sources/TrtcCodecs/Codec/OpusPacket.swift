import COpus

/// What an Opus packet (RFC 6716 §3) carries, read without decoding it.
public enum OpusPacket {
    /// Whether the packet holds in-band FEC (SILK's LBRR data) for the frame before it: only then does
    /// `opus_decode(…, decode_fec: 1)` rebuild the lost frame; otherwise libopus falls back to concealment (PLC).
    /// libopus 1.5's `opus_packet_has_lbrr`, for the libopus 1.3 that this machine has: CELT-only packets carry none;
    /// for SILK and hybrid packets the LBRR flag follows the VAD flags of the first frame's SILK frames (one per 20 ms),
    /// both coded as equiprobable bits at the start of the range-coded data.
    public static func hasInBandFEC(_ packet: [UInt8]) -> Bool {
        guard let toc = packet.first else { return false }
        let configuration = toc >> 3
        guard configuration < 16 else { return false }  // 0–11 SILK-only, 12–15 hybrid, 16–31 CELT-only
        let samplesPerFrame = Int(opus_packet_get_samples_per_frame(packet, 48_000))
        let silkFrames = max(1, samplesPerFrame / 960)
        let stereo = toc & 0x04 != 0
        var frames = [UnsafePointer<UInt8>?](repeating: nil, count: 48)
        var sizes = [Int16](repeating: 0, count: 48)
        return packet.withUnsafeBufferPointer { bytes in
            let count = frames.withUnsafeMutableBufferPointer { framePointers in
                opus_packet_parse(bytes.baseAddress!, Int32(bytes.count), nil, framePointers.baseAddress, &sizes, nil)
            }
            guard count > 0, sizes[0] > 0, let first = frames[0] else { return false }
            let flags = first.pointee
            let mono = (flags >> (7 - silkFrames)) & 1 == 1
            let side = stereo && (flags >> (6 - 2 * silkFrames)) & 1 == 1
            return mono || side
        }
    }
}
