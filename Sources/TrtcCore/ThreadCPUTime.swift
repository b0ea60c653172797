#if canImport(Glibc)
import Glibc
#endif

/// CPU time the calling thread has used (CLOCK_THREAD_CPUTIME_ID), for the cost of one frame or one step.
public enum ThreadCPUTime {
    public static var now: Duration { clockReading(CLOCK_THREAD_CPUTIME_ID) }
}
