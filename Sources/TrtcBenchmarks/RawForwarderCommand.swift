import ArgumentParser
import Foundation
import Glibc

/// `trtc-bench sfu raw-forwarder`: the smallest forwarder there is, the yardstick for the SFU's packets/s per core.
/// One UDP socket; recvmmsg up to 64 datagrams, sendmmsg each to every destination; no parsing, routing or crypto.
/// Prints `port P` when bound, then `forwarded N` (cumulative copies sent) every 250 ms until SIGTERM.
struct RawForwarderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raw-forwarder",
        abstract: "Diagnostic: a minimal recvmmsg/sendmmsg UDP forwarder on 127.0.0.1 (used by `trtc-bench sfu`).")

    @Option(help: "Destination UDP ports on 127.0.0.1, comma-separated: every datagram is sent to each.")
    var destinations: String

    static let batch = 64
    static let sliceBytes = 2048

    func run() throws {
        let ports = destinations.split(separator: ",").compactMap { UInt16($0) }
        guard !ports.isEmpty else { throw ValidationError("--destinations needs at least one port") }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw BenchFailure("socket: \(String(cString: strerror(errno)))") }
        var size: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var local = Self.loopback(port: 0)
        guard withUnsafePointer(to: &local, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        } }) == 0 else { throw BenchFailure("bind: \(String(cString: strerror(errno)))") }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        print("port \(UInt16(bigEndian: bound.sin_port))")
        fflush(stdout)

        var timeout = timeval(tv_sec: 0, tv_usec: 250_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var targets = ports.map { Self.loopback(port: $0) }
        let buffers = UnsafeMutableRawPointer.allocate(byteCount: Self.batch * Self.sliceBytes, alignment: 64)
        var receiveVectors = (0..<Self.batch).map { iovec(iov_base: buffers + $0 * Self.sliceBytes, iov_len: Self.sliceBytes) }
        var receiveHeaders = [mmsghdr](repeating: mmsghdr(), count: Self.batch)
        let sendCapacity = Self.batch * ports.count
        var sendVectors = [iovec](repeating: iovec(), count: sendCapacity)
        var sendHeaders = [mmsghdr](repeating: mmsghdr(), count: sendCapacity)
        var forwarded = 0
        var nextReport = ContinuousClock.now
        receiveVectors.withUnsafeMutableBufferPointer { receiveVectors in
            targets.withUnsafeMutableBufferPointer { targets in
                sendVectors.withUnsafeMutableBufferPointer { sendVectors in
                    for index in 0..<Self.batch {
                        receiveHeaders[index].msg_hdr.msg_iov = receiveVectors.baseAddress! + index
                        receiveHeaders[index].msg_hdr.msg_iovlen = 1
                    }
                    while true {
                        let received = recvmmsg(fd, &receiveHeaders, UInt32(Self.batch), Int32(MSG_WAITFORONE), nil)
                        if received > 0 {
                            var count = 0
                            for datagram in 0..<Int(received) {
                                sendVectors[count].iov_base = buffers + datagram * Self.sliceBytes
                                sendVectors[count].iov_len = Int(receiveHeaders[datagram].msg_len)
                                for target in 0..<targets.count {
                                    sendVectors[count + target] = sendVectors[count]
                                    sendHeaders[count + target].msg_hdr.msg_iov = sendVectors.baseAddress! + count + target
                                    sendHeaders[count + target].msg_hdr.msg_iovlen = 1
                                    sendHeaders[count + target].msg_hdr.msg_name = UnsafeMutableRawPointer(targets.baseAddress! + target)
                                    sendHeaders[count + target].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
                                }
                                count += targets.count
                            }
                            var offset = 0
                            while offset < count {
                                let sent = sendHeaders.withUnsafeMutableBufferPointer {
                                    sendmmsg(fd, $0.baseAddress! + offset, UInt32(count - offset), 0)
                                }
                                guard sent > 0 else { break }
                                offset += Int(sent)
                            }
                            forwarded += offset
                        }
                        let now = ContinuousClock.now
                        if now >= nextReport {
                            nextReport = now + .milliseconds(250)
                            print("forwarded \(forwarded)")
                            fflush(stdout)
                        }
                    }
                }
            }
        }
    }

    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
