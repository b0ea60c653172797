import TrtcCodecs

/// Deterministic moving pictures for encoder benchmarks: a drifting gradient, a moving textured block and a
/// little sensor-like noise, so the encoder has motion and detail to work on (a static test pattern would
/// make every encoder look fast).
struct SyntheticVideo {
    let width: Int
    let height: Int
    private var noiseState: UInt32 = 0x1234_5678

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    mutating func frame(_ index: Int, framesPerSecond: Int) throws -> I420Frame {
        var y = [UInt8](repeating: 0, count: width * height)
        let blockSize = min(width, height) / 3
        let blockX = (index * 7) % max(width - blockSize, 1)
        let blockY = (index * 3) % max(height - blockSize, 1)
        for row in 0..<height {
            for column in 0..<width {
                noiseState = noiseState &* 1_664_525 &+ 1_013_904_223
                let noise = Int(noiseState >> 30)  // 0…3
                var value = 40 + ((column + row + index * 2) % 160)
                if column >= blockX, column < blockX + blockSize, row >= blockY, row < blockY + blockSize {
                    value = 30 + (((column - blockX) * 5 ^ (row - blockY) * 3) & 0x9F)
                }
                y[row * width + column] = UInt8(min(235, value + noise))
            }
        }
        let chromaWidth = (width + 1) / 2
        let chromaHeight = (height + 1) / 2
        var u = [UInt8](repeating: 128, count: chromaWidth * chromaHeight)
        var v = [UInt8](repeating: 128, count: chromaWidth * chromaHeight)
        for row in 0..<chromaHeight {
            for column in 0..<chromaWidth {
                u[row * chromaWidth + column] = UInt8(96 + (column + index) % 64)
                v[row * chromaWidth + column] = UInt8(96 + (row + index / 2) % 64)
            }
        }
        return try I420Frame(width: width, height: height, y: y, strideY: width, u: u, strideU: chromaWidth,
                             v: v, strideV: chromaWidth, timestamp: .seconds(index) / framesPerSecond)
    }
}
