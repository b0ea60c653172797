/// A planar YUV 4:2:0 picture (the layout libvpx encodes and decodes).
///
/// Chroma planes are `(width + 1) / 2` by `(height + 1) / 2`. Each plane is stored
/// row by row with its own stride (bytes from one row to the next, at least the row width).
public struct I420Frame: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var y: [UInt8]
    public var u: [UInt8]
    public var v: [UInt8]
    public let strideY: Int
    public let strideU: Int
    public let strideV: Int
    /// Capture (or presentation) time; carried through encode and packetize unchanged.
    public var timestamp: Duration

    public var chromaWidth: Int { (width + 1) / 2 }
    public var chromaHeight: Int { (height + 1) / 2 }

    /// Wraps existing planes, checking that they are large enough for the given size and strides.
    public init(
        width: Int, height: Int,
        y: [UInt8], strideY: Int,
        u: [UInt8], strideU: Int,
        v: [UInt8], strideV: Int,
        timestamp: Duration = .zero
    ) throws(FrameError) {
        guard width > 0, height > 0, width <= I420Frame.maximumDimension, height <= I420Frame.maximumDimension else {
            throw .invalidSize(width: width, height: height)
        }
        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        guard strideY >= width, strideU >= chromaWidth, strideV >= chromaWidth,
              max(strideY, strideU, strideV) <= I420Frame.maximumStride
        else {
            throw .invalidStride("stride Y \(strideY), U \(strideU), V \(strideV) for width \(width)")
        }
        for (name, plane, stride, rows, rowWidth) in [
            ("Y", y, strideY, height, width), ("U", u, strideU, chromaHeight, chromaWidth),
            ("V", v, strideV, chromaHeight, chromaWidth),
        ] {
            let needed = (rows - 1) * stride + rowWidth
            guard plane.count >= needed else {
                throw .bufferTooSmall(plane: name, needed: needed, actual: plane.count)
            }
        }
        self.width = width
        self.height = height
        self.y = y
        self.u = u
        self.v = v
        self.strideY = strideY
        self.strideU = strideU
        self.strideV = strideV
        self.timestamp = timestamp
    }

    /// A frame of one flat colour (black by default), tightly packed.
    public init(width: Int, height: Int, luma: UInt8 = 16, chroma: UInt8 = 128, timestamp: Duration = .zero) throws(FrameError) {
        guard width > 0, height > 0, width <= I420Frame.maximumDimension, height <= I420Frame.maximumDimension else {
            throw .invalidSize(width: width, height: height)
        }
        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        try self.init(
            width: width, height: height,
            y: [UInt8](repeating: luma, count: width * height), strideY: width,
            u: [UInt8](repeating: chroma, count: chromaWidth * chromaHeight), strideU: chromaWidth,
            v: [UInt8](repeating: chroma, count: chromaWidth * chromaHeight), strideV: chromaWidth,
            timestamp: timestamp)
    }

    /// VP8 caps dimensions at 14 bits; anything larger is certainly bad input.
    public static let maximumDimension = 16383
    /// Generous bound on row strides (4 bytes per pixel at the largest width, plus alignment),
    /// so size arithmetic cannot overflow on hostile values.
    public static let maximumStride = 1 << 17
}
