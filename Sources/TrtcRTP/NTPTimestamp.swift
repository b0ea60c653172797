#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// 64-bit NTP time (seconds since 1900-01-01 and a 32-bit binary fraction), as in RTCP sender reports.
public struct NTPTimestamp: Sendable, Equatable, Hashable {
    public var seconds: UInt32
    public var fraction: UInt32

    /// Seconds from 1900 to the Unix epoch.
    static let unixEpochOffset: UInt64 = 2_208_988_800

    public init(seconds: UInt32, fraction: UInt32) {
        self.seconds = seconds
        self.fraction = fraction
    }

    /// From time since the Unix epoch.
    public init(sinceUnixEpoch time: Duration) {
        let (wholeSeconds, attoseconds) = time.components
        seconds = UInt32(truncatingIfNeeded: UInt64(bitPattern: wholeSeconds) &+ Self.unixEpochOffset)
        // fraction = attoseconds / 1e18 × 2^32, computed without overflow.
        fraction = UInt32(truncatingIfNeeded: (UInt64(max(attoseconds, 0)) / 1_000_000_000) << 32 / 1_000_000_000)
    }

    /// The wall clock now.
    public static func now() -> NTPTimestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return NTPTimestamp(sinceUnixEpoch: .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec))
    }

    /// The middle 32 bits, which receiver reports echo as LSR (RFC 3550 §6.4.1).
    public var compact: UInt32 { seconds << 16 | fraction >> 16 }

    /// Time since the Unix epoch.
    public var sinceUnixEpoch: Duration {
        let whole = Int64(seconds) - Int64(Self.unixEpochOffset)
        let nanoseconds = (UInt64(fraction) * 1_000_000_000) >> 32
        return .seconds(whole) + .nanoseconds(Int64(nanoseconds))
    }
}
