import TrtcCodecs

/// A synthetic camera: smooth gradients, a moving bright square and a moving stripe pattern,
/// so consecutive frames differ the way real video does.
public enum TestPattern {
    public static func frame(width: Int, height: Int, index: Int, fps: Int = 30) -> I420Frame {
        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        var y = [UInt8](repeating: 0, count: width * height)
        var u = [UInt8](repeating: 0, count: chromaWidth * chromaHeight)
        var v = [UInt8](repeating: 0, count: chromaWidth * chromaHeight)
        let boxSize = height / 4
        let boxX = (index * 7) % max(width - boxSize, 1)
        let boxY = (index * 3) % max(height - boxSize, 1)
        // Unsafe buffers: debug builds check every array subscript, which makes this slow.
        y.withUnsafeMutableBufferPointer { luma in
            for row in 0..<height {
                let rowBase = 40 + (row * 60) / height
                let inBoxRows = row >= boxY && row < boxY + boxSize
                for column in 0..<width {
                    var value = rowBase + (column * 120) / width
                    // Soft diagonal stripes drifting right.
                    if ((column + row / 2 + index * 2) >> 4) & 1 == 0 { value += 20 }
                    if inBoxRows, column >= boxX, column < boxX + boxSize { value = 220 }
                    luma[row * width + column] = UInt8(truncatingIfNeeded: value)
                }
            }
        }
        u.withUnsafeMutableBufferPointer { uPlane in
            v.withUnsafeMutableBufferPointer { vPlane in
                for row in 0..<chromaHeight {
                    for column in 0..<chromaWidth {
                        uPlane[row * chromaWidth + column] = UInt8(96 + (column * 64) / chromaWidth)
                        vPlane[row * chromaWidth + column] = UInt8(160 - (row * 64) / chromaHeight)
                    }
                }
            }
        }
        return try! I420Frame(
            width: width, height: height, y: y, strideY: width, u: u, strideU: chromaWidth, v: v, strideV: chromaWidth,
            timestamp: .nanoseconds(Int64(index) * 1_000_000_000 / Int64(fps)))
    }
}
