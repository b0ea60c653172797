extension I420Frame {
    /// Converts packed YUY2 (bytes Y0 U Y1 V per pixel pair, as most UVC webcams deliver) to I420.
    /// Chroma of each row pair is averaged, since YUY2 is 4:2:2.
    public init(
        yuy2 source: UnsafeRawBufferPointer, width: Int, height: Int, stride: Int? = nil,
        timestamp: Duration = .zero
    ) throws(FrameError) {
        guard width > 0, height > 0, width <= I420Frame.maximumDimension, height <= I420Frame.maximumDimension else {
            throw .invalidSize(width: width, height: height)
        }
        let pairsPerRow = (width + 1) / 2
        let rowBytes = stride ?? pairsPerRow * 4
        guard rowBytes >= pairsPerRow * 4, rowBytes <= I420Frame.maximumStride else {
            throw .invalidStride("YUY2 stride \(rowBytes) for width \(width)")
        }
        let needed = (height - 1) * rowBytes + pairsPerRow * 4
        guard source.count >= needed else { throw .bufferTooSmall(plane: "YUY2", needed: needed, actual: source.count) }

        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        var lumaPlane = [UInt8](repeating: 0, count: width * height)
        var uPlaneBytes = [UInt8](repeating: 0, count: chromaWidth * chromaHeight)
        var vPlaneBytes = uPlaneBytes
        let src = source.bindMemory(to: UInt8.self)
        lumaPlane.withUnsafeMutableBufferPointer { yPlane in
            for row in 0..<height {
                let line = row * rowBytes
                let out = row * width
                for column in 0..<width {
                    // Luma sits at every even byte.
                    yPlane[out + column] = src[line + column * 2]
                }
            }
        }
        uPlaneBytes.withUnsafeMutableBufferPointer { uPlane in
            vPlaneBytes.withUnsafeMutableBufferPointer { vPlane in
                for chromaRow in 0..<chromaHeight {
                    let line0 = chromaRow * 2 * rowBytes
                    let line1 = min(chromaRow * 2 + 1, height - 1) * rowBytes
                    for pair in 0..<chromaWidth {
                        let offset = pair * 4
                        uPlane[chromaRow * chromaWidth + pair] =
                            UInt8((Int(src[line0 + offset + 1]) + Int(src[line1 + offset + 1]) + 1) >> 1)
                        vPlane[chromaRow * chromaWidth + pair] =
                            UInt8((Int(src[line0 + offset + 3]) + Int(src[line1 + offset + 3]) + 1) >> 1)
                    }
                }
            }
        }
        try self.init(
            width: width, height: height, y: lumaPlane, strideY: width,
            u: uPlaneBytes, strideU: chromaWidth, v: vPlaneBytes, strideV: chromaWidth, timestamp: timestamp)
    }

    public init(yuy2 source: [UInt8], width: Int, height: Int, stride: Int? = nil, timestamp: Duration = .zero) throws(FrameError) {
        // withUnsafeBytes only rethrows untyped errors, so carry the typed one out in a Result.
        let result = source.withUnsafeBytes { bytes in
            Result { () throws(FrameError) in try I420Frame(yuy2: bytes, width: width, height: height, stride: stride, timestamp: timestamp) }
        }
        self = try result.get()
    }
}
