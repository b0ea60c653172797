import TrtcNetLab

/// Deterministic random numbers, so a failing shuffle can be replayed: the network lab's SplitMix64.
public typealias SplitMix64 = NetLabRandom

extension NetLabRandom {
    public init(state: UInt64) {
        self.init(seed: state)
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
