#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The per-process limit on open descriptors. Every signaling connection holds one, and the default soft
/// limit (often 1024) would cap the server far below what it can serve.
public enum FileDescriptorLimit {
    /// Raises the soft limit to the hard limit and returns the limit now in force (nil if it cannot be read).
    @discardableResult
    public static func raiseToHardLimit() -> Int? {
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { return Int(clamping: raised.rlim_cur) }
        }
        return Int(clamping: limit.rlim_cur)
    }
}
