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
    public static var milliseconds: Int64 {
        let (seconds, attoseconds) = now.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
