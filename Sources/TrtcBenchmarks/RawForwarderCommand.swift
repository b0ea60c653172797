import ArgumentParser
import CBenchSupport
import Foundation
import Glibc

/// `trtc-bench sfu raw-forwarder`: the smallest forwarder there is, the yardstick for the SFU's packets/s per core.
/// One UDP socket; recvmmsg up to 64 datagrams, sendmmsg them to every destination; no parsing, routing or crypto.
/// Prints `port P` when bound, then `forwarded N` (cumulative copies sent) every 250 ms until SIGTERM.
struct RawForwarderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "raw-forwarder",
        abstract: "Diagnostic: a minimal recvmmsg/sendmmsg UDP forwarder on 127.0.0.1 (used by `trtc-bench sfu`).")

    @Option(help: "Destination UDP ports on 127.0.0.1, comma-separated: every datagram is sent to each.")
    var destinations: String

    func run() throws {
        let ports = destinations.split(separator: ",").compactMap { UInt16($0) }
        guard !ports.isEmpty, ports.count <= 512 else { throw ValidationError("--destinations needs 1 to 512 ports") }
        let socket = try PlainUDPSocket()
        var size: Int32 = 4 << 20
        setsockopt(socket.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(socket.fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 0, tv_usec: 250_000)
        setsockopt(socket.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        FileHandle.standardOutput.write(Data("port \(socket.port)\n".utf8))
        var forwarded = 0
        var nextReport = ContinuousClock.now
        while true {
            let sent = ports.withUnsafeBufferPointer { trtc_bench_forward_batch(socket.fd, $0.baseAddress, Int32($0.count)) }
            if sent > 0 { forwarded += sent }
            let now = ContinuousClock.now
            if now >= nextReport {
                nextReport = now + .milliseconds(250)
                FileHandle.standardOutput.write(Data("forwarded \(forwarded)\n".utf8))
            }
        }
    }
}
