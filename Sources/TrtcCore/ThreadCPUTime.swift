#if canImport(Glibc)
import Glibc
#endif

/// CPU time the calling thread has used (CLOCK_THREAD_CPUTIME_ID), for the cost of one frame or one step.
public enum ThreadCPUTime {
    public static var now: Duration {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
    }
}
