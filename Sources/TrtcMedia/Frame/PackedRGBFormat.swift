/// 32-bit packed RGB layouts a capture source may deliver, named by byte order in memory
/// (as SPA/PipeWire and GStreamer name them: `BGRx` is the bytes B, G, R, unused).
public enum PackedRGBFormat: Sendable, CaseIterable {
    case rgbx, bgrx, rgba, bgra

    /// Byte offsets of red, green and blue within one 4-byte pixel.
    var channelOffsets: (red: Int, green: Int, blue: Int) {
        switch self {
        case .rgbx, .rgba: (0, 1, 2)
        case .bgrx, .bgra: (2, 1, 0)
        }
    }
}
