#if TRTC_TSAN
import TrtcCore

/// ThreadSanitizer builds lock with pthreads, which it sees (TrtcCore's ThreadSanitizerMutex explains why).
typealias Mutex<Value: ~Copyable> = ThreadSanitizerMutex<Value>
#endif
