#if canImport(Glibc)
import Glibc
#endif

/// `Synchronization.Mutex`'s interface over a pthread mutex, for ThreadSanitizer builds only (scripts/tsan).
///
/// On Linux, Swift 6.3's `Mutex` locks with atomics and futex calls inside the uninstrumented standard library, so
/// ThreadSanitizer sees no ordering between two critical sections and reports every value a `Mutex` protects as
/// raced (docs/security.md, "ThreadSanitizer"). ThreadSanitizer intercepts pthread mutexes, so under
/// `TRTC_TSAN` (set by Package.swift when TRTC_TSAN=1) each module that locks declares
/// `typealias Mutex<Value> = ThreadSanitizerMutex<Value>`, which shadows the imported type, and its races are real
/// ones again. Normal builds never use this type.
public final class ThreadSanitizerMutex<Value: ~Copyable>: @unchecked Sendable {
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init(_ initialValue: consuming sending Value) {
        value = initialValue
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
