import Testing
import TrtcTransport

/// A client and a server media connection wired back to back in memory: datagrams are delivered in order,
/// each classified by its first byte as the real sockets will, with a hook to lose some.
final class MediaLink {
    enum Direction: Sendable, CustomStringConvertible {
        case toServer, toClient

        var description: String { self == .toServer ? "to the server" : "to the client" }
    }

    static let serverCertificate = try! DTLSCertificate.generate()
    static let clientCertificate = try! DTLSCertificate.generate()

    let serverCredentials = ICECredentials.random()
    let clientCredentials = ICECredentials.random()
    let server: ServerMediaConnection
    let client: ClientMediaConnection
    var clientAddress = TransportAddress(ip: [192, 0, 2, 1], port: 50_000)
    var serverEvents: [DTLSEvent] = []
    var clientEvents: [DTLSEvent] = []
    var serverDrops: [TransportDropReason] = []
    /// Every STUN answer with the size of the request it answers.
    var answerSizes: [(request: Int, answer: Int)] = []
    var dtlsDatagrams: [Direction: Int] = [:]
    var largestDTLSDatagram = 0
    /// Returns true to lose a datagram.
    var lose: (Direction, [UInt8]) -> Bool = { _, _ in false }
    private var queue: [(Direction, [UInt8])] = []

    init(
        serverExpects clientFingerprint: CertificateFingerprint = MediaLink.clientCertificate.fingerprint,
        clientExpects serverFingerprint: CertificateFingerprint = MediaLink.serverCertificate.fingerprint,
        clientProfiles: [SRTPProfile] = SRTPProfile.allCases, serverProfiles: [SRTPProfile] = SRTPProfile.allCases
    ) throws {
        server = try ServerMediaConnection(
            local: serverCredentials, remoteUfrag: clientCredentials.ufrag, remoteFingerprint: clientFingerprint,
            certificate: Self.serverCertificate, srtpProfiles: serverProfiles)
        client = try ClientMediaConnection(
            local: clientCredentials, remote: serverCredentials, remoteFingerprint: serverFingerprint,
            certificate: Self.clientCertificate, srtpProfiles: clientProfiles)
    }

    /// Polls the client and runs timers due at `now`, then delivers until nothing is in flight.
    func step(now: ContinuousClock.Instant) {
        for datagram in client.poll(now: now) { queue.append((.toServer, datagram)) }
        if let timeout = server.nextTimeout, now >= timeout {
            for datagram in server.handleTimeout(now: now) { queue.append((.toClient, datagram)) }
        }
        deliver(now: now)
    }

    func deliver(now: ContinuousClock.Instant) {
        while !queue.isEmpty {
            let (direction, datagram) = queue.removeFirst()
            let kind = datagram.withUnsafeBytes { DatagramClass($0) }
            if kind == .dtls {
                dtlsDatagrams[direction, default: 0] += 1
                largestDTLSDatagram = max(largestDTLSDatagram, datagram.count)
            }
            if lose(direction, datagram) { continue }
            datagram.withUnsafeBytes { bytes in
                switch (direction, kind) {
                case (.toServer, .stun):
                    switch server.receiveSTUN(bytes, from: clientAddress, now: now) {
                    case .answer(let answer, _):
                        answerSizes.append((datagram.count, answer.count))
                        queue.append((.toClient, answer))
                    case .drop(let reason):
                        serverDrops.append(reason)
                    }
                case (.toServer, .dtls):
                    let result = server.receiveDTLS(bytes, now: now)
                    if let event = result.event { serverEvents.append(event) }
                    for reply in result.outgoing { queue.append((.toClient, reply)) }
                case (.toClient, .stun):
                    if client.receiveSTUN(bytes, now: now) {
                        for datagram in client.poll(now: now) { queue.append((.toServer, datagram)) }
                    }
                case (.toClient, .dtls):
                    let result = client.receiveDTLS(bytes, now: now)
                    if let event = result.event { clientEvents.append(event) }
                    for reply in result.outgoing { queue.append((.toServer, reply)) }
                default:
                    Issue.record("unexpected \(kind) datagram \(direction)")
                }
            }
        }
    }

    /// Steps on synthetic time (10 ms apart) until both sides are secure or one failed; the DTLS flights need no
    /// timer when nothing is lost.
    @discardableResult
    func connect(from start: ContinuousClock.Instant = .now, steps: Int = 20) -> ContinuousClock.Instant {
        var now = start
        for _ in 0..<steps {
            step(now: now)
            if server.isSecure && client.isSecure { break }
            if case .failed = client.state { break }
            if server.failure != nil { break }
            now += .milliseconds(10)
        }
        return now
    }

    /// Steps on the real clock, sleeping until the next deadline of either side (DTLS retransmission timers run on
    /// OpenSSL's own clock).
    func connectInRealTime(timeout: Duration = .seconds(5)) async throws {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while clock.now < end {
            step(now: clock.now)
            if server.isSecure && client.isSecure { return }
            var deadline = client.nextDeadline
            if let timeout = server.nextTimeout { deadline = min(deadline, timeout) }
            try await clock.sleep(until: min(deadline, end))
        }
    }
}

/// A 12-byte RTP header (V=2, PT 96) and a patterned payload, in a buffer with room for the SRTP trailer.
struct TestPacket {
    var buffer: [UInt8]
    var length: Int

    static func rtp(sequenceNumber: UInt16, ssrc: UInt32 = 0x1234_5678, payloadLength: Int = 1000) -> TestPacket {
        var bytes: [UInt8] = [0x80, 96, UInt8(sequenceNumber >> 8), UInt8(sequenceNumber & 0xff), 0, 0, 0x10, 0]
        bytes += [UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xff), UInt8(ssrc >> 8 & 0xff), UInt8(ssrc & 0xff)]
        bytes += (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(sequenceNumber)) }
        return TestPacket(bytes)
    }

    /// An RTCP sender report (28 bytes).
    static func senderReport(ssrc: UInt32 = 0x1234_5678, packetCount: UInt8 = 1) -> TestPacket {
        var bytes: [UInt8] = [0x80, 200, 0, 6, UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xff), UInt8(ssrc >> 8 & 0xff), UInt8(ssrc & 0xff)]
        bytes += [0xe8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, packetCount, 0, 0, 4, 0]
        return TestPacket(bytes)
    }

    init(_ bytes: [UInt8]) {
        buffer = bytes + [UInt8](repeating: 0, count: ServerMediaConnection.maxProtectionOverhead)
        length = bytes.count
    }

    var bytes: [UInt8] { Array(buffer[..<length]) }

    mutating func apply(_ body: (UnsafeMutableRawPointer, Int, Int) throws(TransportError) -> Int) throws(TransportError) {
        let length = self.length
        var newLength = 0
        var failure: TransportError?
        buffer.withUnsafeMutableBytes { raw in
            do throws(TransportError) {
                newLength = try body(raw.baseAddress!, length, raw.count)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        self.length = newLength
    }
}
