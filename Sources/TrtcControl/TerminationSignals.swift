import Foundation

/// SIGINT/SIGTERM handling for the executable.
public enum TerminationSignals {
    /// A parent may start trtcctl with SIGINT/SIGTERM blocked (Foundation's `Process` passes on the spawning
    /// thread's mask); unblocked here, before any other thread exists, so every later thread inherits that.
    public static func unblock() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// For `monitor`: SIGINT/SIGTERM end the process with status 0. Output is written unbuffered line by line,
    /// so there is nothing to flush, and `_exit` is safe inside a signal handler.
    static func exitSuccessfullyOnTermination() {
        signal(SIGINT) { _ in _exit(0) }
        signal(SIGTERM) { _ in _exit(0) }
    }
}
