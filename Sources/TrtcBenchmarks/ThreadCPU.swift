import Glibc

/// CPU time used by the calling thread (CLOCK_THREAD_CPUTIME_ID).
enum ThreadCPU {
    static func now() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
    }
}
