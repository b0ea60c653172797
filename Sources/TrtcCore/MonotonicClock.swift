#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC, the one clock for intervals and liveness in the server, the daemon, the benchmarks and the
/// tests' harness: it never jumps with the wall clock, and PipeWire stamps capture buffers with it, so capture
/// times and send times can be subtracted.
public enum MonotonicClock {
    /// Time since an unspecified fixed point (boot, less time suspended).
    public static var now: Duration { clockReading(CLOCK_MONOTONIC) }

    /// `now` in whole milliseconds, for bookkeeping kept in atomics.
    public static var milliseconds: Int64 { wholeMilliseconds(now) }

    /// CLOCK_BOOTTIME in whole milliseconds: like `milliseconds`, but counting time suspended (as Swift's
    /// `ContinuousClock` and its sleeps do on Linux). For liveness: after a laptop resumes, a connection silent
    /// across the suspend is seen as silent at once.
    public static var millisecondsIncludingSuspend: Int64 { wholeMilliseconds(clockReading(CLOCK_BOOTTIME)) }

    private static func wholeMilliseconds(_ reading: Duration) -> Int64 {
        let (seconds, attoseconds) = reading.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
