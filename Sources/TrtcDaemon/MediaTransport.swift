import Foundation
import Glibc
import Logging
import Synchronization
import TrtcCore
import TrtcRTP
import TrtcTransport

/// The UDP media connection of one media grant (one admitted session): ICE connectivity checks towards the server,
/// the DTLS handshake (trtcd is the DTLS client, the server's certificate must have the grant's fingerprint), then
/// SRTP/SRTCP both ways (docs/protocol.md §2).
///
/// Ownership: the socket is created here and closed only by `close()`, after the receive thread has ended. The
/// receive thread drives the connection (checks, handshake flights, retransmissions, consent) and reads answers and
/// media. Encoder queues send through `send(_:)`. The `ClientMediaConnection` (one OpenSSL and two libsrtp contexts)
/// is behind `state`'s lock, so a protect never races an unprotect, a handshake step or the close; sends are
/// non-blocking (a full socket buffer drops the datagram: late media is useless).
final class MediaTransport: Sendable {
    struct Handlers: Sendable {
        /// The DTLS handshake finished: media can flow (once per grant).
        var connected: @Sendable () -> Void
        /// A receiver asked for a key frame of our video (RTCP PLI naming our video SSRC).
        var keyframeRequested: @Sendable () -> Void
        /// A receiver reported packets of our video missing (RTCP generic NACK naming our video SSRC).
        var retransmissionRequested: @Sendable ([UInt16]) -> Void = { _ in }
        /// Another member's RTP, forwarded by the server (on the receive thread; must not block).
        var rtpReceived: @Sendable (RTPPacket) -> Void = { _ in }
    }

    private struct State: ~Copyable {
        let connection: ClientMediaConnection
        var closed = false
        var reportedFailure = false
        /// The next transport-wide sequence number: assigned here, at send time, so every RTP packet on this
        /// transport (audio, video, retransmissions) is numbered in the order it leaves.
        var transportSequence: UInt16 = 0
        /// What the uplink can carry, from the server's transport-wide feedback (docs/congestion-control.md).
        var estimator = SendSideBandwidthEstimator(limits: MediaTransport.estimateLimits, start: MediaTransport.startEstimate)
        /// Video packets (and their retransmissions) waiting for the pacer's budget, oldest first.
        var paced: [[UInt8]] = []
        var pacedHead = 0
        var budget = PacingBudget(targetBitsPerSecond: MediaTransport.startEstimate)
        /// When to probe for more capacity; its ceiling is what the video publisher asked for (0: no video, no probes).
        var prober = ProbeController(ceiling: 0)
        var probe: ActiveProbe?
        var probeSequence: UInt16 = 0
        var lastVideoSent: Duration?
        /// Per SSRC, the RTP sequence number after the newest one handed to `send` (`nextSequenceNumber(ssrc:)`).
        var nextSequenceNumbers: [UInt32: UInt16] = [:]

        var hasPaced: Bool { pacedHead < paced.count }
    }

    /// A probe cluster being sent: padding-only packets at its rate, over the paced video.
    private struct ActiveProbe {
        let cluster: ProbeCluster
        var packetsLeft: Int
        var next: Duration
    }

    /// Beyond this many waiting video packets the oldest are dropped: a second or more of video at any rate the
    /// estimate allows means the encoder is far ahead of the link, and late video is useless.
    static let maximumPaced = 600

    /// The estimate's bounds: the floor keeps audio and a thumbnail of video going; the encoders cap themselves at
    /// what the application asked for, so the ceiling only bounds what `Statistics` can show.
    static let estimateLimits = SendSideBandwidthEstimator.Limits(minimum: 60_000, maximum: 20_000_000)
    /// Above the default 800 kbit/s video + 32 kbit/s audio, so a clean link starts at the application's bitrate;
    /// a slower one is found by the first backoff (0.85 × what arrived).
    static let startEstimate = 1_000_000
    /// Bytes an SRTP datagram costs on the wire besides itself (IPv4 + UDP headers), counted in the estimate.
    static let datagramOverhead = 28
    /// A probe packet on the wire: 12-byte header, 8 of extension, 255 of padding, SRTP's 10-byte tag, UDP/IP.
    static let probePacketSize = 12 + 8 + ProbePaddingPacket.maximumPadding + 10 + datagramOverhead
    /// Probes only while video was sent this recently (padding is for finding room for video, not instead of it).
    static let probeWhileVideoWithin = Duration.seconds(1)

    let grant: MediaGrant
    let destination: String
    /// The SSRC of probe packets: neither of the grant's (the server drops padding-only packets on it).
    let probeSsrc: UInt32
    private let fd: Int32
    /// A pipe whose write end wakes the receive thread for `close()`.
    private let wakeFds: (read: Int32, write: Int32)
    private let handlers: Handlers
    private let logger: Logger
    private let state: Mutex<State>
    private let stopRequested = Atomic<Bool>(false)
    private let secureFlag = Atomic<Bool>(false)
    private let threadEnded = DispatchSemaphore(value: 0)
    /// Every 1 s a receiver report about the video heard, so its sender learns loss (and, from LSR/DLSR, the
    /// round trip) quickly; audio blocks ride on every 5th (RFC 3550 §6.4.2; libwebrtc's intervals).
    static let receiverReportInterval: Duration = .seconds(1)
    static let audioReportEvery = 5
    /// A report block about one of our streams older than this no longer counts for `upLoss`.
    static let lossReportLifetime: Duration = .seconds(6)
    /// A source silent this long is forgotten (it left, or entered again with new SSRCs).
    static let receptionTimeout: Duration = .seconds(30)
    let packetsSent = Atomic<Int>(0)
    /// The send-side estimate in bits/s (all streams, overhead included): what the publishers share.
    let sendEstimate = Atomic<Int>(MediaTransport.startEstimate)
    let bytesSent = Atomic<Int>(0)
    /// The server's limit on our video (RTCP REMB naming our video SSRC: every receiver of it is behind a narrower
    /// downlink), kbit/s, and when it came; it lapses after `receiverLimitLifetime` (the server repeats it while it holds).
    private let receiverLimit = Mutex<(kbps: Int, arrival: Duration)?>(nil)
    static let receiverLimitLifetime = Duration.milliseconds(3500)
    let sendDrops = Atomic<Int>(0)
    /// SRTP/SRTCP datagrams received (decrypted or not), for `receivedBytes`.
    let bytesReceived = Atomic<Int>(0)
    /// What the receive thread last copied out for `Statistics` (every receiver-report tick).
    private let receptionSnapshot = Mutex(ReceptionSnapshot())

    /// Opens a socket towards the grant's address (no host, or a wildcard one, means `signalingHost`) and starts
    /// the connectivity checks. Throws a readable message when the grant or the address cannot be used.
    init(grant: MediaGrant, local: ICECredentials, certificate: DTLSCertificate, signalingHost: String?,
         handlers: Handlers, logger: Logger) throws(TrtcError) {
        guard let remote = ICECredentials(ufrag: grant.ufrag, password: grant.password) else {
            throw TrtcError(.connectFailed, "the server's media credentials are not valid ICE credentials")
        }
        guard let fingerprint = CertificateFingerprint(grant.fingerprint) else {
            throw TrtcError(.connectFailed, "the server's media fingerprint \(grant.fingerprint.prefix(120).debugDescription) is not sha-256")
        }
        let connection: ClientMediaConnection
        do {
            connection = try ClientMediaConnection(local: local, remote: remote, remoteFingerprint: fingerprint, certificate: certificate)
        } catch {
            throw TrtcError(.connectFailed, "media connection: \(error)")
        }
        let unnamed = ["", "0.0.0.0", "::", "[::]"].contains(grant.host)
        let host = unnamed ? (signalingHost ?? "127.0.0.1") : grant.host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
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
        self.probeSsrc = grant.videoSsrc &+ 1 == grant.audioSsrc ? grant.videoSsrc &+ 2 : grant.videoSsrc &+ 1
        self.destination = "\(host):\(grant.port)"
        self.fd = socketFd
        self.wakeFds = (pipeFds[0], pipeFds[1])
        self.handlers = handlers
        self.logger = logger
        self.state = Mutex(State(connection: connection))
        let thread = Thread { [self] in receiveLoop() }
        thread.name = "trtcd-media-udp"
        thread.start()
    }

    /// What `Statistics` reads of a transport: cumulative counters (the reader takes differences) and the loss others
    /// reported about our streams.
    struct ReceptionSnapshot: Sendable {
        /// When the receive thread copied `sources` (monotonic).
        var taken: Duration = .zero
        var sources: [UInt32: ReceptionLedger.SourceCounters] = [:]
        /// Per reporter and stream of ours: the last fraction lost (RFC 3550: /256) reported and when it arrived.
        var reportedLoss: [ReportedLossKey: (fractionLost: UInt8, arrival: Duration)] = [:]
    }

    struct ReportedLossKey: Hashable, Sendable {
        let reporter: UInt32
        let ssrc: UInt32
    }

    /// A copy of the reception counters (taken at most one receiver-report interval ago).
    var reception: ReceptionSnapshot { receptionSnapshot.withLock { $0 } }

    /// The round trip of the last answered connectivity check (the server answers them itself: trtcd ↔ server).
    var roundTrip: Duration? { state.withLock { $0.connection.roundTrip } }

    /// The handshake is done and the server answered a check within the consent period: media flows.
    var isBound: Bool {
        secureFlag.load(ordering: .acquiring) && state.withLock { $0.connection.hasConsent(now: .now) }
    }

    /// Protects one RTP or RTCP packet and sends it, unless closed or not yet secure; never blocks. Our video waits
    /// for the pacer's budget when it is spent (the receive thread sends it on); audio and RTCP leave at once.
    func send(_ packet: [UInt8]) {
        let wake = state.withLock { state -> Bool in
            guard !state.closed else {
                sendDrops.add(1, ordering: .relaxed)
                return false
            }
            Self.noteSequenceNumber(of: packet, in: &state)
            let now = MonotonicClock.now
            guard isPacedVideo(packet), state.hasPaced || !state.budget.canSend(now: now) else {
                sendLocked(&state, packet, now: now)
                return false
            }
            let wasEmpty = !state.hasPaced
            state.paced.append(packet)
            if state.paced.count - state.pacedHead > Self.maximumPaced {
                state.pacedHead += 1
                sendDrops.add(1, ordering: .relaxed)
            }
            return wasEmpty
        }
        if wake {
            var one: UInt8 = 1
            _ = write(wakeFds.write, &one, 1)
        }
    }

    /// Where a new packetizer of `ssrc` must continue numbering on this transport: the SRTP context remembers every
    /// index it protected (RFC 3711 §3.3.2: an index is never used twice), and libsrtp refuses to protect one at or
    /// behind what it has seen. A publisher that started again (StopLocalVideo, StartLocalVideo) at a random sequence
    /// number behind the old one — half of them — had every packet refused: nothing was sent until the numbers
    /// came round (`trtc-bench media`: 1 packet/s at the server after the second StartLocalVideo). Nil: none yet.
    func nextSequenceNumber(ssrc: UInt32) -> UInt16? {
        state.withLock { $0.nextSequenceNumbers[ssrc] }
    }

    private static func noteSequenceNumber(of packet: [UInt8], in state: inout State) {
        guard packet.count >= 12, !RTCPPacket.isRTCP(packet) else { return }
        let ssrc = UInt32(packet[8]) << 24 | UInt32(packet[9]) << 16 | UInt32(packet[10]) << 8 | UInt32(packet[11])
        let next = (UInt16(packet[2]) << 8 | UInt16(packet[3])) &+ 1
        // Retransmissions carry older numbers: only a newer one moves it.
        if let current = state.nextSequenceNumbers[ssrc], Int16(bitPattern: next &- current) <= 0 { return }
        state.nextSequenceNumbers[ssrc] = next
    }

    private func isPacedVideo(_ packet: [UInt8]) -> Bool {
        guard packet.count >= 12, !RTCPPacket.isRTCP(packet) else { return false }
        let ssrc = UInt32(packet[8]) << 24 | UInt32(packet[9]) << 16 | UInt32(packet[10]) << 8 | UInt32(packet[11])
        return ssrc == grant.videoSsrc
    }

    /// Drops the video still waiting for the pacer, and any probe being sent: our video stopped (StopLocalVideo,
    /// MuteLocalVideo), and the server is told so next, so what waits here would reach it after it stopped counting us
    /// as publishing.
    func discardPacedVideo() {
        state.withLock { state in
            state.paced.removeAll(keepingCapacity: true)
            state.pacedHead = 0
            state.probe = nil
            state.lastVideoSent = nil
        }
    }

    /// Paced video whose budget has come (receive thread). Returns whether packets are still waiting.
    private func sendPaced() -> Bool {
        state.withLock { state in
            let now = MonotonicClock.now
            while state.hasPaced, !state.closed, state.budget.canSend(now: now) {
                let packet = state.paced[state.pacedHead]
                state.pacedHead += 1
                sendLocked(&state, packet, now: now)
            }
            if !state.hasPaced {
                state.paced.removeAll(keepingCapacity: true)
                state.pacedHead = 0
            } else if state.pacedHead >= 256 {
                state.paced.removeFirst(state.pacedHead)
                state.pacedHead = 0
            }
            return state.hasPaced
        }
    }

    /// The estimate (bits/s) at which the publishers get all they asked for: the ceiling probes stop at.
    func setProbeCeiling(_ ceiling: Int) {
        state.withLock { state in
            if state.prober.ceiling != ceiling { state.prober.setCeiling(ceiling) }
        }
    }

    /// Probe packets due (receive thread), and a new cluster when the controller wants one. Returns when the next
    /// probe packet is due, if a cluster is being sent.
    private func sendProbe() -> Duration? {
        state.withLock { state in
            let now = MonotonicClock.now
            if state.probe == nil {
                guard !state.closed, secureFlag.load(ordering: .relaxed),
                      let lastVideo = state.lastVideoSent, now - lastVideo < Self.probeWhileVideoWithin,
                      let cluster = state.prober.cluster(estimate: state.estimator.target, result: state.estimator.probeResult, now: now)
                else { return nil }
                let packets = max(ProbeCluster.minimumPackets, (cluster.minimumBytes + Self.probePacketSize - 1) / Self.probePacketSize)
                state.probe = ActiveProbe(cluster: cluster, packetsLeft: packets, next: now)
            }
            guard var probe = state.probe else { return nil }
            // At the cluster's rate; a late wake-up sends what is due at once (the estimate uses the actual send times).
            while probe.packetsLeft > 0, probe.next <= now, !state.closed {
                let packet = ProbePaddingPacket.make(
                    ssrc: probeSsrc, sequenceNumber: state.probeSequence, timestamp: 0, payloadType: RTPPayloadType.vp8)
                state.probeSequence &+= 1
                sendLocked(&state, packet, now: now, probeCluster: probe.cluster.id)
                probe.packetsLeft -= 1
                probe.next += probe.cluster.wireTime(bytes: Self.probePacketSize)
            }
            state.probe = probe.packetsLeft > 0 ? probe : nil
            return state.probe?.next
        }
    }

    /// Numbers an RTP packet (transport-wide sequence number, remembered for the estimator), protects and sends it.
    /// Probe packets (`probeCluster`) leave beside the pacer's budget.
    private func sendLocked(_ state: inout State, _ packet: [UInt8], now: Duration, probeCluster: Int? = nil) {
        var plain = packet
        var transportNumber: UInt16?
        if !RTCPPacket.isRTCP(packet), let numbered = TransportWideSequenceNumber.adding(state.transportSequence, to: packet) {
            plain = numbered
            transportNumber = state.transportSequence
        }
        guard let datagram = state.connection.protect(plain) else {
            sendDrops.add(1, ordering: .relaxed)
            return
        }
        if let transportNumber {
            // Counted sent even if the socket refuses it: the feedback then shows it lost, which it is.
            state.transportSequence &+= 1
            // Video sent while a probe goes out is part of its cluster: the link carried both (libwebrtc probes with
            // media and padding alike).
            let cluster = probeCluster ?? (isPacedVideo(packet) ? state.probe?.cluster.id : nil)
            if probeCluster == nil, isPacedVideo(packet), let probe = state.probe {
                // ...and takes its share of the cluster's time, so video and padding together stay at the cluster's
                // rate, which is at most the ceiling: the probe never sends more than the application asked for.
                state.probe?.next = probe.next + probe.cluster.wireTime(bytes: datagram.count + Self.datagramOverhead)
            }
            state.estimator.packetSent(transportNumber, size: datagram.count + Self.datagramOverhead, at: now, probeCluster: cluster)
            if probeCluster == nil { state.budget.spend(datagram.count + Self.datagramOverhead, now: now) }
            if isPacedVideo(packet) { state.lastVideoSent = now }
        }
        let sent = datagram.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if sent == datagram.count {
            packetsSent.add(1, ordering: .relaxed)
            bytesSent.add(datagram.count, ordering: .relaxed)
        } else {
            sendDrops.add(1, ordering: .relaxed)
        }
    }

    /// Stops the receive thread and closes the socket (with a DTLS close_notify). Idempotent; returns once closed.
    func close() {
        guard !stopRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var one: UInt8 = 1
        _ = write(wakeFds.write, &one, 1)
        threadEnded.wait()
        state.withLock { state in
            for datagram in state.connection.close() { sendRaw(datagram) }
            state.closed = true
            Glibc.close(fd)
            Glibc.close(wakeFds.read)
            Glibc.close(wakeFds.write)
        }
    }

    deinit { close() }

    /// A datagram as is (checks, handshake flights); the caller holds the state lock.
    private func sendRaw(_ datagram: [UInt8]) {
        _ = datagram.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
    }

    // MARK: receive thread

    private func receiveLoop() {
        defer { threadEnded.signal() }
        var buffer = [UInt8](repeating: 0, count: 2048)
        // Owned by this thread: what each other source sent us, for the receiver reports.
        var receptions = ReceptionLedger()
        // Owned by this thread too: when the server's numbered packets arrived, for its estimate of our downlink.
        var downlinkFeedback = TransportFeedbackGenerator()
        var lastNumbered: Duration?
        var nextReport = MonotonicClock.now + Self.receiverReportInterval
        var reportsSent = 0
        while !stopRequested.load(ordering: .acquiring) {
            let nextDeadline = state.withLock { state in
                for datagram in state.connection.poll(now: .now) { sendRaw(datagram) }
                noteStateLocked(&state)
                return state.connection.nextDeadline
            }
            let now = MonotonicClock.now
            if secureFlag.load(ordering: .relaxed) {
                // Sender SSRC: one of ours; media SSRC: the server's (it numbers every packet it sends us).
                for feedback in downlinkFeedback.tick(now: now, senderSSRC: grant.videoSsrc, mediaSSRC: ServerFeedbackSSRC.value) {
                    send(feedback.serialized())
                }
            }
            if now >= nextReport {
                nextReport = now + Self.receiverReportInterval
                if secureFlag.load(ordering: .relaxed) {
                    reportsSent += 1
                    let withAudio = reportsSent % Self.audioReportEvery == 0
                    for report in receptions.reports(from: grant.videoSsrc, now: now, forgettingAfter: Self.receptionTimeout, audio: withAudio) {
                        send(report)
                    }
                }
                let counters = receptions.counters
                receptionSnapshot.withLock { snapshot in
                    snapshot.taken = now
                    snapshot.sources = counters
                    snapshot.reportedLoss = snapshot.reportedLoss.filter { now - $0.value.arrival <= Self.lossReportLifetime }
                }
            }
            let untilDeadline = max(.zero, nextDeadline - ContinuousClock.now)
            let untilReport = nextReport - MonotonicClock.now
            var waitMs = max(1, Int32(clamping: Int64(min(untilDeadline, untilReport) / .milliseconds(1))))
            if sendPaced() { waitMs = min(waitMs, Int32(PacingBudget.interval / .milliseconds(1))) }
            if let lastNumbered, MonotonicClock.now - lastNumbered < .seconds(1) {
                // Feedback is due every 50 ms while numbered packets come, whether or not more arrive.
                waitMs = min(waitMs, Int32(TransportFeedbackGenerator.interval / .milliseconds(1)))
            }
            if let nextProbe = sendProbe() {
                waitMs = min(waitMs, max(1, Int32(clamping: Int64((nextProbe - MonotonicClock.now) / .milliseconds(1)))))
            }
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFds.read, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, waitMs)
            if ready > 0, fds[1].revents & Int16(POLLIN) != 0, !stopRequested.load(ordering: .acquiring) {
                // Paced video is waiting (`send`); the pipe is drained so poll blocks again.
                var drained = [UInt8](repeating: 0, count: 64)
                _ = read(wakeFds.read, &drained, drained.count)
                _ = sendPaced()
            }
            guard ready > 0, fds[0].revents & Int16(POLLIN) != 0 else { continue }
            // Drain what is queued; the socket is non-blocking.
            for _ in 0..<64 {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                guard count > 0 else { break }
                bytesReceived.add(count, ordering: .relaxed)
                if receive(&buffer, count: count, receptions: &receptions, downlinkFeedback: &downlinkFeedback) {
                    lastNumbered = MonotonicClock.now
                }
            }
        }
    }

    /// Reports the handshake's end (once) and a failure (once).
    private func noteStateLocked(_ state: inout State) {
        switch state.connection.state {
        case .secure:
            if !secureFlag.exchange(true, ordering: .acquiringAndReleasing) {
                logger.debug("media connection secure", metadata: ["server": "\(destination)"])
                handlers.connected()
            }
        case .failed(let reason):
            if !state.reportedFailure {
                state.reportedFailure = true
                logger.error("media connection failed; no media in this session", metadata: ["server": "\(destination)", "reason": "\(reason)"])
            }
        case .checking, .handshaking:
            break
        }
    }

    /// Returns whether it was an RTP packet the server numbered (its transport-wide feedback is then due).
    private func receive(_ buffer: inout [UInt8], count: Int, receptions: inout ReceptionLedger,
                         downlinkFeedback: inout TransportFeedbackGenerator) -> Bool {
        let received = state.withLock { state in
            let received = buffer.withUnsafeMutableBytes {
                state.connection.receive(UnsafeMutableRawBufferPointer(rebasing: $0[0..<count]), now: .now)
            }
            if case .control(let replies) = received {
                for datagram in replies { sendRaw(datagram) }
                noteStateLocked(&state)
            }
            return received
        }
        guard case .media(let length, _) = received else { return false }
        return handleMedia(Array(buffer[0..<length]), receptions: &receptions, downlinkFeedback: &downlinkFeedback)
    }

    /// The server's transport-wide feedback about our uplink: a new estimate for the publishers to share.
    private func estimate(from feedback: RTCPTransportFeedback, arrival: Duration) {
        let (before, after) = state.withLock { state in
            let before = state.estimator.target
            if let roundTrip = state.connection.roundTrip { state.estimator.roundTrip = roundTrip }
            state.estimator.feedbackReceived(feedback, now: arrival)
            state.budget.setTarget(bitsPerSecond: state.estimator.target)
            return (before, state.estimator.target)
        }
        sendEstimate.store(after, ordering: .relaxed)
        if after < before * 4 / 5 {
            logger.debug("send estimate lowered", metadata: ["kbps": "\(after / 1000)", "was": "\(before / 1000)"])
        }
    }

    /// The server's current limit on our video (kbit/s of RTP), nil when none holds.
    func receiverLimitKbps(now: Duration = MonotonicClock.now) -> Int? {
        receiverLimit.withLock { limit in
            guard let limit, now - limit.arrival < Self.receiverLimitLifetime else { return nil }
            return limit.kbps
        }
    }

    private func handleMedia(_ bytes: [UInt8], receptions: inout ReceptionLedger,
                             downlinkFeedback: inout TransportFeedbackGenerator) -> Bool {
        guard RTCPPacket.isRTCP(bytes) else {
            guard let packet = try? RTPPacket(parsing: bytes) else { return false }
            let arrival = MonotonicClock.now
            receptions.record(packet, size: bytes.count, arrival: arrival)
            let number = TransportWideSequenceNumber.read(from: bytes)
            if let number { downlinkFeedback.record(number, arrival: arrival) }
            handlers.rtpReceived(packet)
            return number != nil
        }
        handleRTCP(bytes, receptions: &receptions)
        return false
    }

    private func handleRTCP(_ bytes: [UInt8], receptions: inout ReceptionLedger) {
        guard let packets = try? RTCPPacket.parseCompound(bytes) else { return }
        let arrival = MonotonicClock.now
        for case .senderReport(let report) in packets { receptions.record(report, arrival: arrival) }
        // Reports about our streams (from their receivers, or the server): the uplink's loss for `Statistics` and Opus.
        var aboutUs: [(ReportedLossKey, UInt8)] = []
        for packet in packets {
            let (reporter, blocks): (UInt32, [RTCPReportBlock])
            switch packet {
            case .receiverReport(let report): (reporter, blocks) = (report.ssrc, report.reportBlocks)
            case .senderReport(let report): (reporter, blocks) = (report.ssrc, report.reportBlocks)
            default: continue
            }
            for block in blocks where block.ssrc == grant.videoSsrc || block.ssrc == grant.audioSsrc {
                aboutUs.append((ReportedLossKey(reporter: reporter, ssrc: block.ssrc), block.fractionLost))
            }
        }
        if !aboutUs.isEmpty {
            receptionSnapshot.withLock { snapshot in
                for (key, fraction) in aboutUs { snapshot.reportedLoss[key] = (fraction, arrival) }
            }
        }
        for case .transportFeedback(let feedback) in packets
        where feedback.mediaSSRC == grant.videoSsrc || feedback.mediaSSRC == grant.audioSsrc {
            estimate(from: feedback, arrival: arrival)
        }
        for case .receiverEstimatedMaximumBitrate(let remb) in packets where remb.ssrcs.contains(grant.videoSsrc) {
            let kbps = Int(min(remb.bitrate / 1000, UInt64(Int32.max)))
            receiverLimit.withLock { $0 = (kbps, arrival) }
        }
        for case .pictureLossIndication(let pli) in packets where pli.mediaSSRC == grant.videoSsrc {
            handlers.keyframeRequested()
        }
        for case .genericNACK(let nack) in packets where nack.mediaSSRC == grant.videoSsrc {
            handlers.retransmissionRequested(nack.sequenceNumbers)
        }
    }
}
