/// Collects capture buffers of any size into frames of exactly `frameLength` samples
/// (960 = 20 ms of 48 kHz mono, what `OpusEncoder` takes). Leftover samples wait for the next buffer.
public struct AudioFramer<Sample: Sendable>: Sendable {
    public let frameLength: Int
    private var pending: [Sample] = []

    public init(frameLength: Int = 960) {
        precondition(frameLength > 0, "frame length must be positive")
        self.frameLength = frameLength
        pending.reserveCapacity(frameLength * 2)
    }

    /// Samples held back until a frame is full.
    public var pendingCount: Int { pending.count }

    /// Adds samples and returns every frame that is now complete, oldest first.
    public mutating func append<Samples: Collection>(contentsOf samples: Samples) -> [[Sample]] where Samples.Element == Sample {
        pending.append(contentsOf: samples)
        guard pending.count >= frameLength else { return [] }
        var frames: [[Sample]] = []
        frames.reserveCapacity(pending.count / frameLength)
        var start = 0
        while pending.count - start >= frameLength {
            frames.append(Array(pending[start..<start + frameLength]))
            start += frameLength
        }
        pending.removeFirst(start)
        return frames
    }

    /// Drops any partial frame (e.g. when the stream restarts).
    public mutating func reset() {
        pending.removeAll(keepingCapacity: true)
    }
}
