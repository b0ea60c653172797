#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TrtcCore
import TrtcHarness

/// One unauthenticated input on the TCP listener: payload bytes the client sent for it and payload bytes the server
/// answered (counted at the client's socket), and whether the server then closed the connection.
struct AmplificationRow: Sendable {
    var input: String
    var bytesIn: Int
    var bytesOut: Int
    var closed: Bool
    var note: String

    var ratio: Double { bytesIn == 0 ? (bytesOut == 0 ? 0 : .infinity) : Double(bytesOut) / Double(bytesIn) }
}

/// Measures bytes out / bytes in for each unauthenticated input of the TCP listener, on raw loopback sockets.
struct HostileAmplification {
    let port: Int
    let credentials: ServerCredentials
    let deadlineSeconds: Double

    func run() throws -> [AmplificationRow] {
        var rows: [AmplificationRow] = []
        // Nothing sent: only the request-head deadline ends it.
        let parked = try exchange([], setup: [], quiet: deadlineSeconds + 3)
        rows.append(AmplificationRow(
            input: "TCP connect, nothing sent (held until the request-head deadline)", bytesIn: 0,
            bytesOut: parked.out, closed: parked.closed, note: parked.closed ? "closed by the server after \(parked.elapsed.decimal(digits: 1)) s" : "not closed"))
        let garbageInputs: [(String, String)] = [
            ("HTTP request head garbage (12 bytes)", "garbage!\r\n\r\n"),
            ("HTTP request head garbage (1 KiB line)", String(repeating: "x", count: 1020) + "\r\n\r\n"),
            ("HTTP request head beyond the 16 KiB limit", "GET / HTTP/1.1\r\nX: " + String(repeating: "x", count: 17_000) + "\r\n\r\n"),
        ]
        for (name, text) in garbageInputs {
            let result = try exchange([Array(text.utf8)], setup: [], quiet: 1)
            rows.append(AmplificationRow(input: name, bytesIn: result.in, bytesOut: result.out, closed: result.closed,
                                         note: result.firstLine))
        }
        let upgrade = Array(
            "GET \(Signaling.path) HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8)
        let upgraded = try exchange([upgrade], setup: [], quiet: 1)
        rows.append(AmplificationRow(
            input: "WebSocket upgrade (smallest valid request; answer: 101, no `hello` before `enter`)", bytesIn: upgraded.in,
            bytesOut: upgraded.out, closed: upgraded.closed, note: upgraded.firstLine))
        let plainRequests: [(String, String)] = [
            ("`GET /` (smallest request; an unknown path)", "GET / HTTP/1.1\r\n\r\n"),
            ("WebSocket upgrade to another path", "GET /x HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
        ]
        for (name, text) in plainRequests {
            let result = try exchange([Array(text.utf8)], setup: [], quiet: 1)
            rows.append(AmplificationRow(input: name, bytesIn: result.in, bytesOut: result.out, closed: result.closed,
                                         note: result.firstLine.isEmpty ? "no answer" : result.firstLine))
        }
        // After the upgrade: the connection's bytes are counted from its first one (the upgrade and its 101 too),
        // since the server's limit is per connection.
        let badEnter = ClientMessage.enter(EnterRequest(
            seq: 1, sdkAppId: credentials.sdkAppId, userId: "u1", userSig: "bad", room: .numeric(1), scene: .rtc,
            role: .anchor, video: false, audio: false)).text
        let signalingInputs: [(String, [UInt8])] = [
            ("`enter` with a bad UserSig", Self.maskedText(badEnter)),
            ("`enter` with an unknown sdkAppId, smallest", Self.maskedText(#"{"type":"enter","seq":1,"sdkAppId":1,"userId":"u","userSig":"x","roomId":1}"#)),
            ("`publish` before `enter`", Self.maskedText(#"{"type":"publish","seq":1,"video":true}"#)),
            ("a malformed message (`{`)", Self.maskedText("{")),
            ("an unknown message type", Self.maskedText(#"{"type":"x"}"#)),
            ("a heartbeat", Self.maskedText(ClientMessage.heartbeat.text)),
            ("a ping (4-byte payload)", Self.maskedFrame(opcode: 0x9, Array("ping".utf8))),
            ("a binary message", Self.maskedFrame(opcode: 0x2, [1])),
            ("a text frame that is not UTF-8", Self.maskedFrame(opcode: 0x1, [0xFF])),
        ]
        for (name, frame) in signalingInputs {
            let result = try exchange([upgrade, frame], setup: [], quiet: 0.5)
            rows.append(AmplificationRow(
                input: "upgrade, then \(name)", bytesIn: result.in, bytesOut: result.out, closed: result.closed,
                note: Self.describeFrames(result.answer.dropFirst(upgraded.out))))
        }
        let body = #"{"SdkAppId":1400000001,"RoomId":1}"#
        let api = Array((
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nX-TC-Action: DismissRoom\r\nX-TC-Version: 2019-07-22\r\n"
            + "X-TC-Timestamp: \(Int(Date().timeIntervalSince1970))\r\nAuthorization: TC3-HMAC-SHA256 Credential=\(credentials.secretId)/x/trtc/tc3_request, SignedHeaders=content-type;host, Signature=00\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
        let apiResult = try exchange([api], setup: [], quiet: 1)
        rows.append(AmplificationRow(
            input: "server-API request with a bad signature", bytesIn: apiResult.in, bytesOut: apiResult.out,
            closed: apiResult.closed, note: apiResult.firstLine))
        // The smallest request that reaches the API's signature check: an attacker picks the best ratio.
        let smallest = Array("POST / HTTP/1.1\r\nAuthorization: x\r\nContent-Length: 2\r\n\r\n{}".utf8)
        let smallestResult = try exchange([smallest], setup: [], quiet: 1)
        rows.append(AmplificationRow(
            input: "server-API request with a bad signature, smallest (one header, body `{}`)", bytesIn: smallestResult.in,
            bytesOut: smallestResult.out, closed: smallestResult.closed,
            note: smallestResult.firstLine.isEmpty ? "no answer" : smallestResult.firstLine))
        return rows
    }

    struct Exchange {
        var `in` = 0
        var out = 0
        var closed = false
        var elapsed = 0.0
        var firstLine = ""
        var answer: [UInt8] = []
    }

    /// Connects, sends each of `setup` and reads its answer (not counted), then sends each of `steps` and reads
    /// until the server closes or is quiet for `quiet` seconds (counted).
    private func exchange(_ steps: [[UInt8]], setup: [[UInt8]], quiet: Double) throws -> Exchange {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchFailure("socket failed") }
        defer { Glibc.close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchFailure("connect failed") }
        let start = ContinuousClock.now
        var result = Exchange()
        func setTimeout(_ seconds: Double) {
            var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - seconds.rounded(.down)) * 1e6))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        /// Reads until closed or quiet; returns the bytes read.
        func drain() -> [UInt8] {
            var all: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let got = recv(fd, &buffer, buffer.count, 0)
                if got > 0 { all += buffer[0..<got]; continue }
                if got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) { result.closed = true }
                if got < 0 && errno == EINTR { continue }
                return all
            }
        }
        setTimeout(0.5)
        for message in setup {
            try sendAll(fd, message)
            _ = drain()
        }
        setTimeout(quiet)
        var answer: [UInt8] = []
        if steps.isEmpty {
            answer = drain()
        }
        for message in steps {
            // A refusal may close before all of a long input is read: count what the server took.
            let sent = (try? sendAll(fd, message)) ?? 0
            result.in += sent
            answer += drain()
        }
        result.out = answer.count
        result.answer = answer
        result.elapsed = (ContinuousClock.now - start).milliseconds / 1000
        result.firstLine = String(decoding: answer.prefix { $0 != 13 && $0 != 10 }.prefix(60), as: UTF8.self)
        return result
    }

    @discardableResult
    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws -> Int {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else {
                if offset > 0 { return offset }
                throw BenchFailure("send failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        return offset
    }

    /// A client's (masked) text frame.
    static func maskedText(_ text: String) -> [UInt8] {
        maskedFrame(opcode: 0x1, Array(text.utf8))
    }

    /// The server's frames, told briefly: `error -3340 bad-message (no message text)`, `close 1008`.
    static func describeFrames(_ bytes: ArraySlice<UInt8>) -> String {
        var bytes = bytes
        var parts: [String] = []
        while bytes.count >= 2 {
            let opcode = bytes[bytes.startIndex] & 0x0F
            var length = Int(bytes[bytes.startIndex + 1] & 0x7F)
            var header = 2
            if length == 126, bytes.count >= 4 {
                length = Int(bytes[bytes.startIndex + 2]) << 8 | Int(bytes[bytes.startIndex + 3])
                header = 4
            }
            guard bytes.count >= header + length else { break }
            let payload = Array(bytes.dropFirst(header).prefix(length))
            bytes = bytes.dropFirst(header + length)
            switch opcode {
            case 0x1:
                if case .error(let error)? = try? ServerMessage.decode(text: String(decoding: payload, as: UTF8.self)) {
                    parts.append("error \(error.code) \(error.kind.rawValue)\(error.message.isEmpty ? " (no message text)" : "")")
                } else {
                    parts.append(String(decoding: payload.prefix(40), as: UTF8.self))
                }
            case 0x8:
                parts.append(payload.count >= 2 ? "close \(Int(payload[0]) << 8 | Int(payload[1]))" : "close")
            case 0xA: parts.append("pong")
            default: parts.append("opcode \(opcode)")
            }
        }
        return parts.isEmpty ? "no answer" : parts.joined(separator: ", ")
    }

    /// A client's (masked) frame.
    static func maskedFrame(opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let mask: [UInt8] = [0x0A, 0x0B, 0x0C, 0x0D]
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        frame += mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        return frame
    }
}
