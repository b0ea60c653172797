import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A WebSocket client written against the socket API, for what client libraries will not send: fragmented
/// messages with control frames in between, continuation frames out of place, upgrades to other paths.
/// Blocking I/O with a receive timeout; one test thread uses it at a time.
final class RawWebSocket {
    struct Frame: Equatable {
        var fin = true
        var opcode: UInt8
        var payload: [UInt8]
        var text: String { String(decoding: payload, as: UTF8.self) }
    }

    enum Failure: Error { case connect(Int32), closed, timeout, badHandshake(String) }

    private let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port` and sends an upgrade request for `path`; `response` is the server's answer head.
    private(set) var response = ""

    /// `receiveBuffer` shrinks the socket's receive buffer (before connecting, so the TCP window is small too).
    init(port: Int, path: String, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { close(fd); throw Failure.connect(errno) }
        send(Array(("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8))
        while true {
            if let end = buffer.indices.dropLast(3).first(where: { buffer[$0..<$0 + 4] == [13, 10, 13, 10] }) {
                response = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                return
            }
            try fill()
        }
    }

    deinit { close(fd) }

    var isUpgraded: Bool { response.hasPrefix("HTTP/1.1 101") }

    /// Sends one frame, masked as a client must.
    func send(_ frame: Frame) {
        var bytes: [UInt8] = [(frame.fin ? 0x80 : 0) | frame.opcode]
        let count = frame.payload.count
        if count < 126 {
            bytes.append(0x80 | UInt8(count))
        } else {
            bytes.append(0x80 | 126)
            bytes += [UInt8(count >> 8), UInt8(count & 0xff)]
        }
        let mask: [UInt8] = [0x37, 0xfa, 0x21, 0x3d]
        bytes += mask
        bytes += frame.payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        send(bytes)
    }

    func sendText(_ text: String, fin: Bool = true, opcode: UInt8 = 0x1) {
        send(Frame(fin: fin, opcode: opcode, payload: Array(text.utf8)))
    }

    /// The next frame from the server (servers do not mask).
    func receive() throws -> Frame {
        try need(2)
        let fin = buffer[0] & 0x80 != 0
        let opcode = buffer[0] & 0x0f
        var length = Int(buffer[1] & 0x7f)
        var header = 2
        if length == 126 {
            try need(4)
            length = Int(buffer[2]) << 8 | Int(buffer[3])
            header = 4
        } else if length == 127 {
            try need(10)
            length = buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }
            header = 10
        }
        try need(header + length)
        let payload = Array(buffer[header..<header + length])
        buffer.removeFirst(header + length)
        return Frame(fin: fin, opcode: opcode, payload: payload)
    }

    /// Whether the server closed the TCP connection (read returns end of file) within the receive timeout.
    func isClosedByServer() -> Bool {
        var scratch = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &scratch, scratch.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }

    private func need(_ count: Int) throws {
        while buffer.count < count { try fill() }
    }

    private func fill() throws {
        var scratch = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &scratch, scratch.count, 0)
        if count == 0 { throw Failure.closed }
        if count < 0 { throw errno == EAGAIN ? Failure.timeout : Failure.closed }
        buffer += scratch[..<count]
    }

    private func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }
}
