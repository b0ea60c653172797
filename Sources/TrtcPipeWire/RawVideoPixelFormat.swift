import CPipeWire

/// Raw (uncompressed) pixel formats video capture accepts, with their memory layout.
/// Names follow SPA/GStreamer: byte order in memory (`BGRx` = bytes B, G, R, unused).
enum RawVideoPixelFormat: String, CaseIterable, Sendable {
    case i420 = "I420", yv12 = "YV12", nv12 = "NV12", nv21 = "NV21"
    case yuy2 = "YUY2", uyvy = "UYVY", yvyu = "YVYU"
    case bgrx = "BGRx", rgbx = "RGBx", bgra = "BGRA", rgba = "RGBA"
    case xrgb = "xRGB", xbgr = "xBGR", argb = "ARGB", abgr = "ABGR"
    case rgb = "RGB", bgr = "BGR"

    enum Layout: Equatable {
        /// Three planes Y, then U and V (or V and U) at half size both ways.
        case planar420(uFirst: Bool)
        /// Y plane, then one plane of interleaved chroma pairs at half size.
        case semiPlanar420(uFirst: Bool)
        /// 4:2:2 packed: byte offsets of Y0, U, Y1, V inside each 4-byte pixel pair.
        case packed422(y0: Int, u: Int, y1: Int, v: Int)
        /// Packed RGB: bytes per pixel and the byte offsets of red, green and blue.
        case packedRGB(bytesPerPixel: Int, red: Int, green: Int, blue: Int)
    }

    /// Offered as separate format choices in this order: 4:2:0 (12 bits per pixel, I420 needs no conversion),
    /// then packed 4:2:2 (16), then RGB (24 or 32). Within one choice PipeWire keeps the camera's order and
    /// takes its default, so a camera defaulting to RGB would win over its own YUV modes in a single list;
    /// smaller buffers mean less shared memory per capture buffer and a cheaper conversion.
    static let preferenceGroups: [[RawVideoPixelFormat]] = [
        [.i420, .yv12, .nv12, .nv21],
        [.yuy2, .uyvy, .yvyu],
        [.bgrx, .rgbx, .bgra, .rgba, .xrgb, .xbgr, .argb, .abgr, .rgb, .bgr],
    ]

    var layout: Layout {
        switch self {
        case .i420: .planar420(uFirst: true)
        case .yv12: .planar420(uFirst: false)
        case .nv12: .semiPlanar420(uFirst: true)
        case .nv21: .semiPlanar420(uFirst: false)
        case .yuy2: .packed422(y0: 0, u: 1, y1: 2, v: 3)
        case .uyvy: .packed422(y0: 1, u: 0, y1: 3, v: 2)
        case .yvyu: .packed422(y0: 0, u: 3, y1: 2, v: 1)
        case .rgbx, .rgba: .packedRGB(bytesPerPixel: 4, red: 0, green: 1, blue: 2)
        case .bgrx, .bgra: .packedRGB(bytesPerPixel: 4, red: 2, green: 1, blue: 0)
        case .xrgb, .argb: .packedRGB(bytesPerPixel: 4, red: 1, green: 2, blue: 3)
        case .xbgr, .abgr: .packedRGB(bytesPerPixel: 4, red: 3, green: 2, blue: 1)
        case .rgb: .packedRGB(bytesPerPixel: 3, red: 0, green: 1, blue: 2)
        case .bgr: .packedRGB(bytesPerPixel: 3, red: 2, green: 1, blue: 0)
        }
    }

    var spaFormat: spa_video_format {
        switch self {
        case .i420: SPA_VIDEO_FORMAT_I420
        case .yv12: SPA_VIDEO_FORMAT_YV12
        case .nv12: SPA_VIDEO_FORMAT_NV12
        case .nv21: SPA_VIDEO_FORMAT_NV21
        case .yuy2: SPA_VIDEO_FORMAT_YUY2
        case .uyvy: SPA_VIDEO_FORMAT_UYVY
        case .yvyu: SPA_VIDEO_FORMAT_YVYU
        case .bgrx: SPA_VIDEO_FORMAT_BGRx
        case .rgbx: SPA_VIDEO_FORMAT_RGBx
        case .bgra: SPA_VIDEO_FORMAT_BGRA
        case .rgba: SPA_VIDEO_FORMAT_RGBA
        case .xrgb: SPA_VIDEO_FORMAT_xRGB
        case .xbgr: SPA_VIDEO_FORMAT_xBGR
        case .argb: SPA_VIDEO_FORMAT_ARGB
        case .abgr: SPA_VIDEO_FORMAT_ABGR
        case .rgb: SPA_VIDEO_FORMAT_RGB
        case .bgr: SPA_VIDEO_FORMAT_BGR
        }
    }

    init?(spaFormat: spa_video_format) {
        guard let format = Self.allCases.first(where: { $0.spaFormat == spaFormat }) else { return nil }
        self = format
    }

    /// Number of memory planes.
    var planeCount: Int {
        switch layout {
        case .planar420: 3
        case .semiPlanar420: 2
        case .packed422, .packedRGB: 1
        }
    }

    /// Bytes of one row of the first plane without padding.
    func minimumStride(width: Int) -> Int {
        switch layout {
        case .planar420, .semiPlanar420: width
        case .packed422: (width + 1) / 2 * 4
        case .packedRGB(let bytesPerPixel, _, _, _): width * bytesPerPixel
        }
    }
}
