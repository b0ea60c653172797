#if canImport(Glibc)
import Glibc
#endif

/// A pipe whose only message is "stop": a `ChildReader` polls its read end. Both ends live as long as the last
/// holder, so writing to it never raises SIGPIPE.
final class WakePipe: Sendable {
    let readEnd: Int32
    private let writeEnd: Int32

    init() throws {
        (readEnd, writeEnd) = try ChildPipe.make()
    }

    func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    deinit {
        _ = close(readEnd)
        _ = close(writeEnd)
    }
}
