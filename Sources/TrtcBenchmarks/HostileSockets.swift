#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import TrtcCore
import Synchronization

/// The kinds of hostile connection `trtc-bench hostile` holds open: none of them ever authenticates.
enum HostileKind: String, CaseIterable, Sendable {
    /// TCP connected, nothing sent.
    case parked
    /// Upgraded to a WebSocket, never entering, sending pings continuously and never reading the pongs.
    case pinging
    /// An HTTP request head trickled one byte per second.
    case slowloris

    var description: String {
        switch self {
        case .parked: "parked (TCP connected, nothing sent)"
        case .pinging: "pinging (WebSocket upgraded, never enters, pings continuously, never reads)"
        case .slowloris: "slowloris (request head trickled 1 byte/s)"
        }
    }
}

/// Many raw loopback TCP connections of one hostile kind, driven by one thread of their own (plain blocking and
/// non-blocking POSIX sockets: no NIO, no tasks), so that the measured clients on NIO share nothing with them.
/// The thread opens them one after the other, then keeps each doing what its kind does, and notices (poll,
/// POLLRDHUP, without reading) when the server closes one.
final class HostileSockets: @unchecked Sendable {
    let kind: HostileKind
    let port: Int
    let count: Int
    /// Pause between two rounds of pings over all connections (0: as fast as this thread can write them).
    let pingPause: Duration

    private let stopFlag = Atomic<Bool>(false)
    private let lock = NSLock()
    // Guarded by `lock` (written by the thread, read by the benchmark).
    private var _opened = 0
    private var _openFailures = 0
    private var _closedTimes: [Duration] = []
    private var _pingsSent = 0
    private var _bytesSent = 0
    private var _openedAllAt: ContinuousClock.Instant?
    private var _firstError: String?
    private var _mostOpen = 0
    private let finished = Atomic<Bool>(false)

    init(kind: HostileKind, port: Int, count: Int, pingPause: Duration) {
        self.kind = kind
        self.port = port
        self.count = count
        self.pingPause = pingPause
    }

    struct Snapshot: Sendable {
        var opened: Int
        var openFailures: Int
        /// For each connection the server closed: its life from connect to when the close was seen.
        var closedTimes: [Duration]
        var pingsSent: Int
        var bytesSent: Int
        var openedAllAt: ContinuousClock.Instant?
        var firstError: String?
        /// The most connections open at the same time so far.
        var mostOpen: Int
        var stillOpen: Int { opened - closedTimes.count }
    }

    var snapshot: Snapshot {
        lock.lock()
        defer { lock.unlock() }
        return Snapshot(opened: _opened, openFailures: _openFailures, closedTimes: _closedTimes, pingsSent: _pingsSent,
                        bytesSent: _bytesSent, openedAllAt: _openedAllAt, firstError: _firstError, mostOpen: _mostOpen)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops the thread and closes every connection still open.
    func stop() async {
        stopFlag.store(true, ordering: .relaxed)
        while !finished.load(ordering: .acquiring) { try? await Task.sleep(for: .milliseconds(10)) }
    }

    // MARK: the thread

    private struct Connection {
        var fd: Int32
        var openedAt: ContinuousClock.Instant
        /// Slowloris: bytes of the head written so far.
        var written = 0
    }

    /// POLLRDHUP (Linux): the peer closed its side; Glibc's module may not export the GNU constant.
    private static let pollReadHangUp: Int16 = 0x2000

    private static let trickledHead = Array(
        "GET \(Signaling.path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Padding: \(String(repeating: "a", count: 200))\r\n\r\n".utf8)

    /// A masked ping with the largest payload a control frame may carry (125 bytes): the largest pong it can ask for.
    private static let pingFrame: [UInt8] = {
        let mask: [UInt8] = [0x11, 0x22, 0x33, 0x44]
        let payload = [UInt8](repeating: 0x70, count: 125)
        return [0x89, 0x80 | 125] + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }()

    private func run() {
        var connections: [Connection] = []
        connections.reserveCapacity(count)
        var nextTrickle = ContinuousClock.now + .seconds(1)
        var pollSet: [pollfd] = []
        var lastRound = ContinuousClock.now - .seconds(10)

        func note(_ error: String) {
            lock.lock()
            if _firstError == nil { _firstError = error }
            lock.unlock()
        }

        /// One round of the kind's behaviour over all open connections, and a look for closed ones.
        func round() {
            let now = ContinuousClock.now
            var sent = 0
            var bytes = 0
            switch kind {
            case .parked:
                break
            case .slowloris:
                if now >= nextTrickle {
                    nextTrickle = now + .seconds(1)
                    for index in connections.indices where connections[index].fd >= 0 {
                        let connection = connections[index]
                        guard connection.written < Self.trickledHead.count else { continue }
                        var byte = Self.trickledHead[connection.written]
                        if send(connection.fd, &byte, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) == 1 {
                            connections[index].written += 1
                            bytes += 1
                        }
                    }
                }
            case .pinging:
                if now - lastRound >= pingPause {
                    lastRound = now
                    Self.pingFrame.withUnsafeBytes { frame in
                        for connection in connections where connection.fd >= 0 {
                            let written = send(connection.fd, frame.baseAddress, frame.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                            if written > 0 { bytes += written }
                            if written == frame.count { sent += 1 }
                        }
                    }
                }
            }
            // Closed by the server? POLLRDHUP reports the peer's FIN without reading what is queued.
            pollSet.removeAll(keepingCapacity: true)
            var indices: [Int] = []
            for (index, connection) in connections.enumerated() where connection.fd >= 0 {
                pollSet.append(pollfd(fd: connection.fd, events: Self.pollReadHangUp, revents: 0))
                indices.append(index)
            }
            var closed: [Duration] = []
            if !pollSet.isEmpty, poll(&pollSet, nfds_t(pollSet.count), 0) > 0 {
                let seen = ContinuousClock.now
                for (slot, entry) in pollSet.enumerated() where entry.revents != 0 {
                    let index = indices[slot]
                    Glibc.close(connections[index].fd)
                    connections[index].fd = -1
                    closed.append(seen - connections[index].openedAt)
                }
            }
            lock.lock()
            _pingsSent += sent
            _bytesSent += bytes
            _closedTimes += closed
            lock.unlock()
        }

        // Open them all, keeping the open ones busy every 128 connections.
        for index in 0..<count {
            if stopFlag.load(ordering: .relaxed) { break }
            do {
                let (fd, bytes) = try open()
                connections.append(Connection(fd: fd, openedAt: .now, written: kind == .slowloris ? 1 : 0))
                lock.lock()
                _opened += 1
                _bytesSent += bytes
                _mostOpen = max(_mostOpen, _opened - _closedTimes.count)
                lock.unlock()
            } catch {
                note("connection \(index): \(error)")
                lock.lock()
                _openFailures += 1
                lock.unlock()
            }
            if index % 128 == 127 { round() }
        }
        lock.lock()
        _openedAllAt = .now
        lock.unlock()
        while !stopFlag.load(ordering: .relaxed) {
            round()
            if kind != .pinging || pingPause > .zero { usleep(20_000) }
        }
        for connection in connections where connection.fd >= 0 { Glibc.close(connection.fd) }
        finished.store(true, ordering: .releasing)
    }

    /// Connects (blocking) and does the kind's first step; returns the socket, non-blocking, and the bytes sent.
    private func open() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchFailure("socket: \(String(cString: strerror(errno)))") }
        if kind == .pinging {
            // A small receive buffer: the unread pongs back up into the server's outbox sooner.
            var size: Int32 = 4096
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw BenchFailure("connect: \(message)")
        }
        var sent = 0
        switch kind {
        case .parked:
            break
        case .slowloris:
            var byte = Self.trickledHead[0]
            sent = send(fd, &byte, 1, Int32(MSG_NOSIGNAL))
        case .pinging:
            let request = Array(
                "GET \(Signaling.path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8)
            sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // Read the 101 answer (and whatever else came with it) up to the end of its head.
            var answer: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 2048)
            while !answer.containsHeadEnd {
                let got = recv(fd, &buffer, buffer.count, 0)
                guard got > 0 else {
                    Glibc.close(fd)
                    throw BenchFailure("no upgrade answer (\(got), \(String(cString: strerror(errno))))")
                }
                answer += buffer[0..<got]
            }
            guard answer.starts(with: Array("HTTP/1.1 101".utf8)) else {
                Glibc.close(fd)
                throw BenchFailure("upgrade refused: \(String(decoding: answer.prefix(40), as: UTF8.self))")
            }
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        return (fd, max(0, sent))
    }
}

extension [UInt8] {
    fileprivate var containsHeadEnd: Bool {
        guard count >= 4 else { return false }
        for index in 0...(count - 4) where self[index] == 13 && self[index + 1] == 10 && self[index + 2] == 13 && self[index + 3] == 10 {
            return true
        }
        return false
    }
}
