extension I420Frame {
    /// Converts a 32-bit packed RGB picture to I420 with BT.601 limited-range coefficients
    /// (what webcams and VP8 decoders assume). Chroma is the average of each 2×2 block.
    public init(
        packedRGB source: UnsafeRawBufferPointer, format: PackedRGBFormat,
        width: Int, height: Int, stride: Int? = nil, timestamp: Duration = .zero
    ) throws(FrameError) {
        guard width > 0, height > 0, width <= I420Frame.maximumDimension, height <= I420Frame.maximumDimension else {
            throw .invalidSize(width: width, height: height)
        }
        let rowBytes = stride ?? width * 4
        guard rowBytes >= width * 4, rowBytes <= I420Frame.maximumStride else { throw .invalidStride("RGB stride \(rowBytes) for width \(width)") }
        let needed = (height - 1) * rowBytes + width * 4
        guard source.count >= needed else { throw .bufferTooSmall(plane: "RGB", needed: needed, actual: source.count) }

        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        var lumaPlane = [UInt8](repeating: 0, count: width * height)
        var uPlaneBytes = [UInt8](repeating: 0, count: chromaWidth * chromaHeight)
        var vPlaneBytes = uPlaneBytes
        let src = source.bindMemory(to: UInt8.self)
        // Literal channel offsets let the optimizer specialise (and vectorise) each layout.
        switch format {
        case .rgbx, .rgba:
            Self.convertPackedRGB(src, redOffset: 0, blueOffset: 2, width: width, height: height, rowBytes: rowBytes,
                                  luma: &lumaPlane, u: &uPlaneBytes, v: &vPlaneBytes)
        case .bgrx, .bgra:
            Self.convertPackedRGB(src, redOffset: 2, blueOffset: 0, width: width, height: height, rowBytes: rowBytes,
                                  luma: &lumaPlane, u: &uPlaneBytes, v: &vPlaneBytes)
        }
        try self.init(
            width: width, height: height, y: lumaPlane, strideY: width,
            u: uPlaneBytes, strideU: chromaWidth, v: vPlaneBytes, strideV: chromaWidth, timestamp: timestamp)
    }

    public init(
        packedRGB source: [UInt8], format: PackedRGBFormat,
        width: Int, height: Int, stride: Int? = nil, timestamp: Duration = .zero
    ) throws(FrameError) {
        // withUnsafeBytes only rethrows untyped errors, so carry the typed one out in a Result.
        let result = source.withUnsafeBytes { bytes in
            Result { () throws(FrameError) in try I420Frame(packedRGB: bytes, format: format, width: width, height: height, stride: stride, timestamp: timestamp) }
        }
        self = try result.get()
    }

    @inline(__always)
    private static func convertPackedRGB(
        _ src: UnsafeBufferPointer<UInt8>, redOffset: Int, blueOffset: Int, width: Int, height: Int, rowBytes: Int,
        luma lumaPlane: inout [UInt8], u uPlaneBytes: inout [UInt8], v vPlaneBytes: inout [UInt8]
    ) {
        let greenOffset = 1
        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        lumaPlane.withUnsafeMutableBufferPointer { yPlane in
            for row in 0..<height {
                let line = row * rowBytes
                let out = row * width
                for column in 0..<width {
                    let pixel = line + column * 4
                    yPlane[out + column] = I420Frame.luma(
                        red: Int(src[pixel + redOffset]), green: Int(src[pixel + greenOffset]),
                        blue: Int(src[pixel + blueOffset]))
                }
            }
        }
        uPlaneBytes.withUnsafeMutableBufferPointer { uPlane in
            vPlaneBytes.withUnsafeMutableBufferPointer { vPlane in
                for chromaRow in 0..<chromaHeight {
                    let row0 = chromaRow * 2
                    let row1 = min(row0 + 1, height - 1)
                    for chromaColumn in 0..<chromaWidth {
                        let column0 = chromaColumn * 2
                        let column1 = min(column0 + 1, width - 1)
                        // The four pixels of the 2×2 block (edges repeat the last row/column).
                        let topLeft = row0 * rowBytes + column0 * 4, topRight = row0 * rowBytes + column1 * 4
                        let bottomLeft = row1 * rowBytes + column0 * 4, bottomRight = row1 * rowBytes + column1 * 4
                        let red = Int(src[topLeft + redOffset]) + Int(src[topRight + redOffset])
                            + Int(src[bottomLeft + redOffset]) + Int(src[bottomRight + redOffset])
                        let green = Int(src[topLeft + greenOffset]) + Int(src[topRight + greenOffset])
                            + Int(src[bottomLeft + greenOffset]) + Int(src[bottomRight + greenOffset])
                        let blue = Int(src[topLeft + blueOffset]) + Int(src[topRight + blueOffset])
                            + Int(src[bottomLeft + blueOffset]) + Int(src[bottomRight + blueOffset])
                        let (u, v) = I420Frame.chroma(red: (red + 2) >> 2, green: (green + 2) >> 2, blue: (blue + 2) >> 2)
                        uPlane[chromaRow * chromaWidth + chromaColumn] = u
                        vPlane[chromaRow * chromaWidth + chromaColumn] = v
                    }
                }
            }
        }
    }

    @inline(__always)
    static func luma(red: Int, green: Int, blue: Int) -> UInt8 {
        UInt8(truncatingIfNeeded: ((66 * red + 129 * green + 25 * blue + 128) >> 8) + 16)
    }

    @inline(__always)
    static func chroma(red: Int, green: Int, blue: Int) -> (u: UInt8, v: UInt8) {
        (
            UInt8(truncatingIfNeeded: ((-38 * red - 74 * green + 112 * blue + 128) >> 8) + 128),
            UInt8(truncatingIfNeeded: ((112 * red - 94 * green - 18 * blue + 128) >> 8) + 128)
        )
    }
}
