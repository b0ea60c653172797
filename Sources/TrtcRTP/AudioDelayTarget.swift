/// The audio jitter buffer's target delay from the packets' arrival (modelled on NetEq's delay manager, simplified):
/// the 95th percentile of their delay variation over the last `window` packets (`DelayVariationEstimator`) plus a
/// margin, within `minimum…maximum`. It rises at once when the jitter grows and falls by at most `decreasePerSecond`
/// when it shrinks, so a short calm spell does not empty the buffer just before the next burst.
///
/// A value type without I/O; `now` is the caller's monotonic clock.
public struct AudioDelayTarget: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var clockRate = 48_000
        /// 5 s of 20 ms packets.
        public var window = 250
        public var margin: Duration = .milliseconds(20)
        public var minimum: Duration = .milliseconds(40)
        public var maximum: Duration = .milliseconds(300)
        public var decreasePerSecond: Duration = .milliseconds(20)

        public init() {}
    }

    public let configuration: Configuration
    private var estimator: DelayVariationEstimator
    private var highestTimestamp: Int64?
    private var current: (value: Duration, at: Duration)?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        estimator = DelayVariationEstimator(window: configuration.window)
    }

    /// A packet with `rtpTimestamp` arrived at `arrival` (late packets count too: they are what the delay must cover).
    public mutating func packetArrived(rtpTimestamp: UInt32, arrival: Duration) {
        let extended: Int64
        if let highest = highestTimestamp {
            extended = highest + Int64(Int32(bitPattern: rtpTimestamp &- UInt32(truncatingIfNeeded: highest)))
        } else {
            extended = Int64(rtpTimestamp)
        }
        highestTimestamp = max(highestTimestamp ?? extended, extended)
        estimator.record(arrival: VideoJitterBuffer.seconds(arrival), mediaTime: Double(extended) / Double(configuration.clockRate))
    }

    /// The target now.
    public mutating func target(now: Duration) -> Duration {
        let measured = min(configuration.maximum, max(configuration.minimum, .seconds(estimator.variation) + configuration.margin))
        guard let previous = current else {
            current = (measured, now)
            return measured
        }
        let allowedDrop = configuration.decreasePerSecond * VideoJitterBuffer.seconds(max(.zero, now - previous.at))
        let value = max(measured, previous.value - allowedDrop)
        current = (value, now)
        return value
    }
}
