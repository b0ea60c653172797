import Foundation
import Synchronization

/// A loopback TCP socket that listens but never accepts or answers: a "server" whose handshake never completes,
/// so an entry through it hangs until cancelled. Closed by `close()` or when released.
public final class SilentListener: Sendable {
    public let port: Int
    /// The listening socket; -1 once closed.
    private let descriptor: Mutex<Int32>

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            let code = POSIXErrorCode(rawValue: errno) ?? .EIO
            _ = Glibc.close(descriptor)
            throw POSIXError(code)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = Mutex(descriptor)
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Stops listening (connections through it then fail); closing twice is harmless.
    public func close() {
        descriptor.withLock { descriptor in
            if descriptor >= 0 { _ = Glibc.close(descriptor) }
            descriptor = -1
        }
    }

    deinit { close() }
}
