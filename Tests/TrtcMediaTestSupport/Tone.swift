#if canImport(Glibc)
import Glibc
#endif

/// Sine tones and what a test asks of recorded audio: power at a frequency, the dominant frequency, loudness.
public enum Tone {
    public static func sine(frequency: Double, sampleRate: Double = 48_000, count: Int, startingAt start: Int = 0, amplitude: Float = 0.5) -> [Float] {
        (0..<count).map { amplitude * Float(sin(2 * Double.pi * frequency * Double(start + $0) / sampleRate)) }
    }

    /// Goertzel power of one frequency.
    public static func power(of frequency: Double, in samples: [Float], sampleRate: Double = 48_000) -> Double {
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
    public static func dominantFrequency(in samples: [Float], range: ClosedRange<Int>, sampleRate: Double = 48_000) -> Int {
        func strongest(_ candidates: some Sequence<Int>) -> Int {
            candidates.map { ($0, power(of: Double($0), in: samples, sampleRate: sampleRate)) }.max { $0.1 < $1.1 }!.0
        }
        let coarse = strongest(stride(from: range.lowerBound, through: range.upperBound, by: 10))
        return strongest(max(range.lowerBound, coarse - 10)...min(range.upperBound, coarse + 10))
    }

    public static func rms(_ samples: [Float]) -> Double {
        guard !samples.isEmpty else { return 0 }
        return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
    }
}
