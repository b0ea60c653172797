@testable import TrtcMedia

/// A synthetic camera: smooth gradients, a moving bright square and a moving stripe pattern,
/// so consecutive frames differ the way real video does.
enum TestPattern {
    static func frame(width: Int, height: Int, index: Int, fps: Int = 30) -> I420Frame {
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

/// Deterministic random numbers, so a failing shuffle can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array {
    /// Shuffles inside consecutive windows: packets arrive out of order, but not by much.
    func shuffledInWindows(of size: Int, using generator: inout SplitMix64) -> [Element] {
        var result: [Element] = []
        var start = 0
        while start < count {
            let end = Swift.min(start + size, count)
            result.append(contentsOf: self[start..<end].shuffled(using: &generator))
            start = end
        }
        return result
    }
}

enum Tone {
    static func sine(frequency: Double, sampleRate: Double = 48_000, count: Int, startingAt start: Int = 0, amplitude: Float = 0.5) -> [Float] {
        (0..<count).map { amplitude * Float(sin(2 * Double.pi * frequency * Double(start + $0) / sampleRate)) }
    }

    /// Goertzel power of one frequency.
    static func power(of frequency: Double, in samples: [Float], sampleRate: Double = 48_000) -> Double {
        let coefficient = 2 * cos(2 * Double.pi * frequency / sampleRate)
        var previous = 0.0, beforePrevious = 0.0
        for sample in samples {
            let current = Double(sample) + coefficient * previous - beforePrevious
            beforePrevious = previous
            previous = current
        }
        return previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
    }

    /// The strongest frequency over a range: a 10 Hz scan, then 1 Hz steps around its peak.
    static func dominantFrequency(in samples: [Float], range: ClosedRange<Int>, sampleRate: Double = 48_000) -> Int {
        func strongest(_ candidates: some Sequence<Int>) -> Int {
            candidates.map { ($0, power(of: Double($0), in: samples, sampleRate: sampleRate)) }.max { $0.1 < $1.1 }!.0
        }
        let coarse = strongest(stride(from: range.lowerBound, through: range.upperBound, by: 10))
        return strongest(max(range.lowerBound, coarse - 10)...min(range.upperBound, coarse + 10))
    }

    static func rms(_ samples: [Float]) -> Double {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
    }
}

#if canImport(Glibc)
import Glibc
#endif
