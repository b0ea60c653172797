import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection for what happens before WebSocket framing: request heads sent a byte at a time, connections
/// closed at accept. It can connect from another loopback address (127.0.0.2, 127.0.0.3, …), which the server sees
/// as another host. Blocking sends; reads wait with poll(2).
final class RawTCPConnection {
    enum Failure: Error { case connect(Int32) }

    private let fd: Int32

    init(port: Int, from source: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        func connectOrBind(_ host: String, _ port: Int, _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr(host)
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard connectOrBind(source, 0, { bind($0, $1, $2) }) == 0, connectOrBind("127.0.0.1", port, { connect($0, $1, $2) }) == 0 else {
            let error = errno
            close(fd)
            throw Failure.connect(error)
        }
    }

    deinit { close(fd) }

    /// Sends all of `text`; false if the connection is gone.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// Sends the upgrade request of a WebSocket client for `path`.
    func sendUpgradeRequest(path: String = "/trtc/v1/signal") {
        send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    }

    /// What arrives within `timeout`, and whether the server closed the connection (end of file or reset) by then.
    /// Returns as soon as `enough` says what arrived suffices, or the connection closed.
    func receive(for timeout: Duration, until enough: ([UInt8]) -> Bool = { _ in false }) -> (bytes: [UInt8], closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 4096)
        while !enough(received) {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { break }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
            guard poll(&descriptor, 1, max(1, milliseconds)) > 0 else { continue }
            let count = recv(fd, &scratch, scratch.count, 0)
            if count <= 0 { return (received, true) }
            received += scratch[..<count]
        }
        return (received, false)
    }

    /// The answer head to a request (up to the blank line), or nil if the server closed without one.
    func responseHead(timeout: Duration = .seconds(5)) -> String? {
        let (bytes, _) = receive(for: timeout) { Self.headEnd(in: $0) != nil }
        return Self.headEnd(in: bytes).map { String(decoding: bytes[..<$0], as: UTF8.self) }
    }

    private static func headEnd(in bytes: [UInt8]) -> Int? {
        bytes.indices.dropLast(3).first { bytes[$0..<$0 + 4] == [13, 10, 13, 10] }
    }
}
