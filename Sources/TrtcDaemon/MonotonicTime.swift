import Glibc

/// CLOCK_MONOTONIC, the clock PipeWire capture timestamps use (`PipeWireStream` stamps buffers with it).
enum MonotonicTime {
    static func now() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
    }

    /// CPU time the calling thread has used, for per-frame encoder cost.
    static func threadCPU() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
    }
}
