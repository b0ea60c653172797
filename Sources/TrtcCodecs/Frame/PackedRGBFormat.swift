/// 32-bit packed RGB layouts a capture source may deliver, named by byte order in memory
/// (as SPA/PipeWire and GStreamer name them: `BGRx` is the bytes B, G, R, unused).
public enum PackedRGBFormat: Sendable, CaseIterable {
    case rgbx, bgrx, rgba, bgra
}
