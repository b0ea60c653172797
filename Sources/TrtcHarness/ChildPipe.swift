#if canImport(Glibc)
import Glibc
#endif

/// Pipes between the harness and its children.
enum ChildPipe {
    /// A pipe whose ends are closed on exec, so no other child inherits them; with `nonBlockingRead`, a read end
    /// that a reader can drain without blocking.
    static func make(nonBlockingRead: Bool = false) throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw ProcessFailure("pipe: \(String(cString: strerror(errno)))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        if nonBlockingRead { _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK) }
        return (ends[0], ends[1])
    }
}
