#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension I420Frame {
    /// Peak signal-to-noise ratio of the luma plane against another frame of the same size, in dB
    /// (`.infinity` when identical). Used to judge codec quality in tests and benchmarks.
    public func lumaPSNR(comparedTo other: I420Frame) -> Double? {
        guard width == other.width, height == other.height else { return nil }
        var squaredError: UInt64 = 0
        y.withUnsafeBufferPointer { mine in
            other.y.withUnsafeBufferPointer { theirs in
                for row in 0..<height {
                    let a = row * strideY
                    let b = row * other.strideY
                    for column in 0..<width {
                        let difference = Int(mine[a + column]) - Int(theirs[b + column])
                        squaredError &+= UInt64(difference * difference)
                    }
                }
            }
        }
        if squaredError == 0 { return .infinity }
        let meanSquaredError = Double(squaredError) / Double(width * height)
        return 10 * log10(255 * 255 / meanSquaredError)
    }
}
