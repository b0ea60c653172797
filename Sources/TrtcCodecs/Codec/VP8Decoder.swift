import CVPX

/// A VP8 decoder (libvpx). Not thread-safe: one owner (thread or actor) per decoder.
public final class VP8Decoder {
    private let context: UnsafeMutablePointer<vpx_codec_ctx_t>
    /// Whether libvpx flagged the last decoded picture as corrupt (e.g. it referenced a lost frame).
    public private(set) var lastFrameCorrupted = false

    public init(threads: Int = 1) throws(CodecError) {
        guard (1...64).contains(threads) else { throw .invalidConfiguration("\(threads) decoder threads") }
        context = .allocate(capacity: 1)
        context.initialize(to: vpx_codec_ctx_t())
        var config = vpx_codec_dec_cfg_t(threads: UInt32(threads), w: 0, h: 0)
        LibvpxZeroFill.install()
        let status = trtc_vpx_dec_init(context, &config)
        guard status == VPX_CODEC_OK else {
            context.deallocate()
            throw .vpx(operation: "dec_init", code: Int32(status.rawValue), message: String(cString: vpx_codec_err_to_string(status)))
        }
    }

    deinit {
        vpx_codec_destroy(context)
        context.deallocate()
    }

    /// Decodes one complete VP8 frame. Returns nil if libvpx produced no picture
    /// (for VP8 that only happens for frames marked invisible). Corrupt input throws.
    public func decode(_ data: [UInt8], timestamp: Duration = .zero) throws(CodecError) -> I420Frame? {
        guard !data.isEmpty else { throw .invalidInput("empty VP8 frame") }
        guard data.count <= Int(UInt32.max) else { throw .invalidInput("VP8 frame of \(data.count) bytes") }
        let status = data.withUnsafeBufferPointer { bytes in
            vpx_codec_decode(context, bytes.baseAddress, UInt32(bytes.count), nil, 0)
        }
        guard status == VPX_CODEC_OK else {
            var message = String(cString: vpx_codec_err_to_string(status))
            if let detail = vpx_codec_error_detail(context) { message += ": " + String(cString: detail) }
            throw .vpx(operation: "decode", code: Int32(status.rawValue), message: message)
        }
        var corrupted: Int32 = 0
        lastFrameCorrupted = trtc_vpx_get_frame_corrupted(context, &corrupted) == VPX_CODEC_OK && corrupted != 0

        var iterator: vpx_codec_iter_t? = nil
        var picture: I420Frame?
        // Drain every picture; VP8 yields at most one per frame, keep the last.
        while let image = vpx_codec_get_frame(context, &iterator) {
            picture = try Self.copy(image.pointee, timestamp: timestamp)
        }
        return picture
    }

    private static func copy(_ image: vpx_image_t, timestamp: Duration) throws(CodecError) -> I420Frame {
        guard image.fmt == VPX_IMG_FMT_I420 else { throw .invalidInput("decoder produced pixel format \(image.fmt.rawValue)") }
        let width = Int(image.d_w)
        let height = Int(image.d_h)
        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        func plane(_ pointer: UnsafeMutablePointer<UInt8>?, stride: Int32, columns: Int, rows: Int) -> [UInt8] {
            guard let pointer else { return [] }
            var bytes = [UInt8](repeating: 0, count: columns * rows)
            bytes.withUnsafeMutableBufferPointer { out in
                for row in 0..<rows {
                    (out.baseAddress! + row * columns).update(from: pointer + row * Int(stride), count: columns)
                }
            }
            return bytes
        }
        do {
            return try I420Frame(
                width: width, height: height,
                y: plane(image.planes.0, stride: image.stride.0, columns: width, rows: height), strideY: width,
                u: plane(image.planes.1, stride: image.stride.1, columns: chromaWidth, rows: chromaHeight), strideU: chromaWidth,
                v: plane(image.planes.2, stride: image.stride.2, columns: chromaWidth, rows: chromaHeight), strideV: chromaWidth,
                timestamp: timestamp)
        } catch {
            throw .invalidInput("decoder produced an unusable picture: \(error)")
        }
    }
}
