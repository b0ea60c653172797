import TrtcCodecs

/// Converts captured raw pictures to `I420Frame` (BT.601 limited range for RGB input,
/// as webcams and VP8 assume; chroma of 4:2:2 input is averaged over row pairs).
enum RawVideoConverter {
    static func makeI420(
        format: RawVideoPixelFormat, planes: [RawVideoPlane], width: Int, height: Int, timestamp: Duration
    ) throws(FrameError) -> I420Frame {
        guard width > 0, height > 0, width <= I420Frame.maximumDimension, height <= I420Frame.maximumDimension else {
            throw .invalidSize(width: width, height: height)
        }
        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        guard planes.count >= format.planeCount else {
            throw .bufferTooSmall(plane: "\(format.rawValue) planes", needed: format.planeCount, actual: planes.count)
        }
        // Every plane must hold its rows at its stride.
        let shapes: [(rows: Int, rowBytes: Int)] =
            switch format.layout {
            case .planar420: [(height, width), (chromaHeight, chromaWidth), (chromaHeight, chromaWidth)]
            case .semiPlanar420: [(height, width), (chromaHeight, chromaWidth * 2)]
            case .packed422, .packedRGB: [(height, format.minimumStride(width: width))]
            }
        for (index, shape) in shapes.enumerated() {
            let plane = planes[index]
            guard plane.stride >= shape.rowBytes, plane.stride <= I420Frame.maximumStride else {
                throw .invalidStride("\(format.rawValue) plane \(index) stride \(plane.stride) for rows of \(shape.rowBytes) bytes")
            }
            let needed = (shape.rows - 1) * plane.stride + shape.rowBytes
            guard plane.bytes.count >= needed else {
                throw .bufferTooSmall(plane: "\(format.rawValue) plane \(index)", needed: needed, actual: plane.bytes.count)
            }
        }

        var y = [UInt8](repeating: 0, count: width * height)
        var u = [UInt8](repeating: 128, count: chromaWidth * chromaHeight)
        var v = [UInt8](repeating: 128, count: chromaWidth * chromaHeight)
        y.withUnsafeMutableBufferPointer { yOut in
            u.withUnsafeMutableBufferPointer { uOut in
                v.withUnsafeMutableBufferPointer { vOut in
                    let output = Output(y: yOut, u: uOut, v: vOut, width: width, height: height)
                    switch format.layout {
                    case .planar420(let uFirst):
                        copyPlanar(planes, uFirst: uFirst, into: output)
                    case .semiPlanar420(let uFirst):
                        copySemiPlanar(planes, uFirst: uFirst, into: output)
                    case .packed422(let y0, let uOffset, let y1, let vOffset):
                        convertPacked422(planes[0], y0: y0, u: uOffset, y1: y1, v: vOffset, into: output)
                    case .packedRGB(let bytesPerPixel, let red, let green, let blue):
                        convertPackedRGB(planes[0], bytesPerPixel: bytesPerPixel, red: red, green: green, blue: blue, into: output)
                    }
                }
            }
        }
        return try I420Frame(
            width: width, height: height, y: y, strideY: width, u: u, strideU: chromaWidth, v: v, strideV: chromaWidth,
            timestamp: timestamp)
    }

    /// Tightly packed destination planes.
    private struct Output {
        let y: UnsafeMutableBufferPointer<UInt8>
        let u: UnsafeMutableBufferPointer<UInt8>
        let v: UnsafeMutableBufferPointer<UInt8>
        let width: Int
        let height: Int
        var chromaWidth: Int { (width + 1) / 2 }
        var chromaHeight: Int { (height + 1) / 2 }
    }

    private static func copyRows(from plane: RawVideoPlane, rows: Int, rowBytes: Int, to destination: UnsafeMutableBufferPointer<UInt8>) {
        for row in 0..<rows {
            let source = plane.bytes.baseAddress! + row * plane.stride
            (destination.baseAddress! + row * rowBytes).update(from: source.assumingMemoryBound(to: UInt8.self), count: rowBytes)
        }
    }

    private static func copyPlanar(_ planes: [RawVideoPlane], uFirst: Bool, into output: Output) {
        copyRows(from: planes[0], rows: output.height, rowBytes: output.width, to: output.y)
        copyRows(from: planes[uFirst ? 1 : 2], rows: output.chromaHeight, rowBytes: output.chromaWidth, to: output.u)
        copyRows(from: planes[uFirst ? 2 : 1], rows: output.chromaHeight, rowBytes: output.chromaWidth, to: output.v)
    }

    private static func copySemiPlanar(_ planes: [RawVideoPlane], uFirst: Bool, into output: Output) {
        copyRows(from: planes[0], rows: output.height, rowBytes: output.width, to: output.y)
        let chroma = planes[1]
        for row in 0..<output.chromaHeight {
            let line = chroma.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + row * chroma.stride
            for column in 0..<output.chromaWidth {
                let first = line[column * 2]
                let second = line[column * 2 + 1]
                output.u[row * output.chromaWidth + column] = uFirst ? first : second
                output.v[row * output.chromaWidth + column] = uFirst ? second : first
            }
        }
    }

    private static func convertPacked422(_ plane: RawVideoPlane, y0: Int, u: Int, y1: Int, v: Int, into output: Output) {
        let source = plane.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let uOut = output.u.baseAddress!
        let vOut = output.v.baseAddress!
        for row in 0..<output.height {
            let line = source + row * plane.stride
            let out = output.y.baseAddress! + row * output.width
            for pair in 0..<(output.width / 2) {
                out[pair * 2] = line[pair * 4 + y0]
                out[pair * 2 + 1] = line[pair * 4 + y1]
            }
            if output.width % 2 == 1 {
                out[output.width - 1] = line[(output.width / 2) * 4 + y0]
            }
        }
        for chromaRow in 0..<output.chromaHeight {
            let line0 = source + chromaRow * 2 * plane.stride
            let line1 = source + min(chromaRow * 2 + 1, output.height - 1) * plane.stride
            for pair in 0..<output.chromaWidth {
                let offset = pair * 4
                uOut[chromaRow * output.chromaWidth + pair] = UInt8((Int(line0[offset + u]) + Int(line1[offset + u]) + 1) >> 1)
                vOut[chromaRow * output.chromaWidth + pair] = UInt8((Int(line0[offset + v]) + Int(line1[offset + v]) + 1) >> 1)
            }
        }
    }

    private static func convertPackedRGB(
        _ plane: RawVideoPlane, bytesPerPixel: Int, red: Int, green: Int, blue: Int, into output: Output
    ) {
        let source = plane.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        // Pointer arithmetic in the hot loops: buffer-pointer subscripts keep their bounds
        // checks in optimized builds; the sizes were validated above.
        let yOut = output.y.baseAddress!
        let uOut = output.u.baseAddress!
        let vOut = output.v.baseAddress!
        for row in 0..<output.height {
            var pixel = source + row * plane.stride
            let out = yOut + row * output.width
            for column in 0..<output.width {
                let (r, g, b) = (Int(pixel[red]), Int(pixel[green]), Int(pixel[blue]))
                out[column] = UInt8(truncatingIfNeeded: ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16)
                pixel += bytesPerPixel
            }
        }
        for chromaRow in 0..<output.chromaHeight {
            let row0 = chromaRow * 2
            let row1 = min(row0 + 1, output.height - 1)
            for chromaColumn in 0..<output.chromaWidth {
                let column0 = chromaColumn * 2
                let column1 = min(column0 + 1, output.width - 1)
                // Average of the 2×2 block (edge pixels repeat on odd sizes).
                let p00 = source + row0 * plane.stride + column0 * bytesPerPixel
                let p01 = source + row0 * plane.stride + column1 * bytesPerPixel
                let p10 = source + row1 * plane.stride + column0 * bytesPerPixel
                let p11 = source + row1 * plane.stride + column1 * bytesPerPixel
                let r = (Int(p00[red]) + Int(p01[red]) + Int(p10[red]) + Int(p11[red]) + 2) >> 2
                let g = (Int(p00[green]) + Int(p01[green]) + Int(p10[green]) + Int(p11[green]) + 2) >> 2
                let b = (Int(p00[blue]) + Int(p01[blue]) + Int(p10[blue]) + Int(p11[blue]) + 2) >> 2
                let index = chromaRow * output.chromaWidth + chromaColumn
                uOut[index] = UInt8(truncatingIfNeeded: ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128)
                vOut[index] = UInt8(truncatingIfNeeded: ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128)
            }
        }
    }
}
