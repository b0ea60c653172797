#if canImport(Glibc)
import Glibc
#endif

/// The time on POSIX clock `clock` (since its own starting point).
func clockReading(_ clock: clockid_t) -> Duration {
    var spec = timespec()
    clock_gettime(clock, &spec)
    return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
}
