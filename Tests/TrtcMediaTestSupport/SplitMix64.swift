/// Deterministic random numbers, so a failing shuffle can be replayed.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) {
        self.state = state
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Array {
    /// Shuffles inside consecutive windows: packets arrive out of order, but not by much.
    public func shuffledInWindows(of size: Int, using generator: inout SplitMix64) -> [Element] {
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
