import Foundation
import Glibc
import Logging
import Synchronization
import TrtcCore
import TrtcRTP

/// The UDP socket of one media grant (one admitted session): binds it with the token, then carries RTP/RTCP.
///
/// Ownership: the socket is created here and closed only by `close()`, after the receive thread has ended.
/// The receive thread owns the bind schedule ("TRTB" every second until "TRTA", then every 5 s) and reads
/// answers and RTCP. Encoder queues send through `send(_:)`, which holds the lock so a send never races the
/// close; sends are non-blocking (a full socket buffer drops the datagram: late media is useless).
final class MediaTransport: Sendable {
    struct Handlers: Sendable {
        /// The server answered a bind; `first` for the first answer of this grant.
        var bound: @Sendable (_ first: Bool) -> Void
        /// A receiver asked for a key frame of our video (RTCP PLI naming our video SSRC).
        var keyframeRequested: @Sendable () -> Void
        /// A receiver reported packets of our video missing (RTCP generic NACK naming our video SSRC).
        var retransmissionRequested: @Sendable ([UInt16]) -> Void = { _ in }
        /// Another member's RTP, forwarded by the server (on the receive thread; must not block).
        var rtpReceived: @Sendable (RTPPacket) -> Void = { _ in }
    }

    let grant: MediaGrant
    let destination: String
    private let fd: Int32
    /// A pipe whose write end wakes the receive thread for `close()`.
    private let wakeFds: (read: Int32, write: Int32)
    private let token: [UInt8]
    private let handlers: Handlers
    private let logger: Logger
    private let sendLock = Mutex<Bool>(false)  // true once closed
    private let stopRequested = Atomic<Bool>(false)
    private let boundFlag = Atomic<Bool>(false)
    private let threadEnded = DispatchSemaphore(value: 0)
    /// Every 5 s a receiver report about what arrived from the others (RFC 3550 §6.4.2).
    static let receiverReportInterval: Duration = .seconds(5)
    /// A source silent this long is forgotten (it left, or entered again with new SSRCs).
    static let receptionTimeout: Duration = .seconds(30)
    let packetsSent = Atomic<Int>(0)
    let bytesSent = Atomic<Int>(0)
    let sendDrops = Atomic<Int>(0)

    /// Opens a socket towards the grant's address (a wildcard host is replaced by `signalingHost`) and starts
    /// binding. Throws a readable message when the address cannot be used.
    init(grant: MediaGrant, signalingHost: String?, handlers: Handlers, logger: Logger) throws(TrtcError) {
        guard let token = MediaBindMessage.tokenBytes(hex: grant.token) else {
            throw TrtcError(.connectFailed, "media token \(grant.token.prefix(40).debugDescription) is not 32 hex digits")
        }
        let wildcard = ["", "0.0.0.0", "::", "[::]"].contains(grant.host)
        let host = wildcard ? (signalingHost ?? "127.0.0.1") : grant.host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(grant.port), &hints, &found)
        guard status == 0, let address = found else {
            throw TrtcError(.connectFailed, "media host \(host):\(grant.port): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(found) }
        let socketFd = socket(address.pointee.ai_family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketFd >= 0 else { throw TrtcError(.connectFailed, "UDP socket: \(String(cString: strerror(errno)))") }
        // Connected: send() needs no address, and only the server's datagrams are received.
        guard connect(socketFd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(socketFd)
            throw TrtcError(.connectFailed, "UDP connect to \(host):\(grant.port): \(reason)")
        }
        var pipeFds: [Int32] = [-1, -1]
        guard pipe(&pipeFds) == 0 else {
            Glibc.close(socketFd)
            throw TrtcError(.connectFailed, "pipe: \(String(cString: strerror(errno)))")
        }
        for pipeFd in pipeFds { _ = fcntl(pipeFd, F_SETFD, FD_CLOEXEC) }
        self.grant = grant
        self.destination = "\(host):\(grant.port)"
        self.fd = socketFd
        self.wakeFds = (pipeFds[0], pipeFds[1])
        self.token = token
        self.handlers = handlers
        self.logger = logger
        let thread = Thread { [self] in receiveLoop() }
        thread.name = "trtcd-media-udp"
        thread.start()
    }

    var isBound: Bool { boundFlag.load(ordering: .acquiring) }

    /// Sends one datagram unless closed; never blocks.
    func send(_ datagram: [UInt8]) {
        sendLock.withLock { closed in
            guard !closed else { return }
            let sent = datagram.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if sent == datagram.count {
                packetsSent.add(1, ordering: .relaxed)
                bytesSent.add(datagram.count, ordering: .relaxed)
            } else {
                sendDrops.add(1, ordering: .relaxed)
            }
        }
    }

    /// Stops the receive thread and closes the socket. Idempotent; returns once the socket is closed.
    func close() {
        guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var one: UInt8 = 1
        _ = write(wakeFds.write, &one, 1)
        threadEnded.wait()
        sendLock.withLock { closed in
            closed = true
            Glibc.close(fd)
            Glibc.close(wakeFds.read)
            Glibc.close(wakeFds.write)
        }
    }

    deinit { close() }

    // MARK: receive thread

    private func receiveLoop() {
        defer { threadEnded.signal() }
        let bind = MediaBindMessage.bindRequest(token: token)
        var nextBind = MonotonicClock.now
        var buffer = [UInt8](repeating: 0, count: 2048)
        // Owned by this thread: what each other source sent us, for the receiver reports.
        var receptions = ReceptionLedger()
        var nextReport = MonotonicClock.now + Self.receiverReportInterval
        while !stopRequested.load(ordering: .acquiring) {
            let now = MonotonicClock.now
            if now >= nextBind {
                send(bind)
                nextBind = now + (isBound ? .seconds(5) : .seconds(1))
            }
            if now >= nextReport {
                nextReport = now + Self.receiverReportInterval
                for report in receptions.reports(from: grant.videoSsrc, now: now, forgettingAfter: Self.receptionTimeout) {
                    send(report)
                }
            }
            let waitMs = max(1, Int32((min(nextBind, nextReport) - MonotonicClock.now) / .milliseconds(1)))
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFds.read, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, waitMs)
            guard ready > 0, fds[0].revents & Int16(POLLIN) != 0 else { continue }
            // Drain what is queued; the socket is non-blocking.
            for _ in 0..<64 {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                guard count > 0 else { break }
                buffer.withUnsafeBytes { handle(UnsafeRawBufferPointer(rebasing: $0[0..<count]), receptions: &receptions) }
            }
        }
    }

    private func handle(_ datagram: UnsafeRawBufferPointer, receptions: inout ReceptionLedger) {
        if MediaBindMessage.isAnswer(datagram, token: token) {
            let first = !boundFlag.exchange(true, ordering: .acquiringAndReleasing)
            if first { logger.debug("media bound", metadata: ["server": "\(destination)"]) }
            handlers.bound(first)
            return
        }
        let bytes = Array(datagram)
        guard RTCPPacket.isRTCP(bytes) else {
            if let packet = try? RTPPacket(parsing: bytes) {
                receptions.record(packet, arrival: MonotonicClock.now)
                handlers.rtpReceived(packet)
            }
            return
        }
        guard let packets = try? RTCPPacket.parseCompound(bytes) else { return }
        for case .senderReport(let report) in packets { receptions.record(report, arrival: MonotonicClock.now) }
        for case .pictureLossIndication(let pli) in packets where pli.mediaSSRC == grant.videoSsrc {
            handlers.keyframeRequested()
        }
        for case .genericNACK(let nack) in packets where nack.mediaSSRC == grant.videoSsrc {
            handlers.retransmissionRequested(nack.sequenceNumbers)
        }
    }
}
