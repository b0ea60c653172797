import NIOCore
import NIOPosix
import Synchronization
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting
import TrtcTransport

/// The media identity every test client offers in `enter`: one certificate and ufrag for the whole test run is
/// enough (the server gives each session its own credentials), and an immutable one is shared safely.
enum TestMedia {
    static let identity: MediaPeerIdentity = {
        do { return try MediaPeerIdentity() } catch { fatalError("cannot create the test DTLS certificate: \(error)") }
    }()
}

/// Holds a media connection; shared by reference when a connection moves to another socket.
final class ConnectionSlot: Sendable {
    let connection = Mutex<ClientMediaConnection?>(nil)
}

/// A client-side UDP socket on loopback for media tests. `connect(_:)` runs the real client side of the media
/// connection (ICE checks, DTLS, SRTP: `ClientMediaConnection`) with `TestMedia.identity`; afterwards `send`
/// protects and `receive` returns decrypted packets. Before `connect`, or with `sendRaw`, bytes go as they are, and
/// what cannot be decrypted is queued as it arrived (so a test sees anything the server should not have sent).
final class UDPTestSocket: Sendable {
    private final class Inbox: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let datagrams = Mutex<[[UInt8]]>([])
        /// The server's own receiver reports (sender SSRC 0, every second to a publisher): kept apart, so tests that
        /// expect particular datagrams are not disturbed by them.
        let serverReports = Mutex<[[UInt8]]>([])
        /// STUN answers and DTLS flights that arrived (the connection's own traffic).
        let controlReceived = Atomic<Int>(0)
        /// The socket's media connection, in a shareable holder so that another socket can continue it (`takeConnection`).
        let slots = Mutex(ConnectionSlot())
        var slot: ConnectionSlot { slots.withLock { $0 } }
        let bytesReceived = Atomic<Int>(0)

        private func keep(_ datagram: [UInt8]) {
            if datagram.count >= 8, datagram[1] == 201, datagram[4..<8].allSatisfy({ $0 == 0 }) {
                serverReports.withLock { $0.append(datagram) }
            } else {
                datagrams.withLock { $0.append(datagram) }
            }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            var bytes = Array(envelope.data.readableBytesView)
            bytesReceived.add(bytes.count, ordering: .relaxed)
            let received = slot.connection.withLock { connection in
                bytes.withUnsafeMutableBytes { connection?.receive($0, now: .now) }
            }
            let replies: [[UInt8]]
            switch received {
            case .control(let answers)?:
                replies = answers
            case .media(let length, _)?:
                keep(Array(bytes[0..<length]))
                return
            case .dropped?, nil:
                keep(bytes)  // SRTCP's first 8 bytes are plain: a report for a socket that lost its keys is still seen as one
                return
            }
            controlReceived.add(1, ordering: .relaxed)
            for reply in replies {
                context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: reply))), promise: nil)
            }
        }
    }

    private let channel: any Channel
    private let inbox: Inbox

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    static func open(host: String = "127.0.0.1") async throws -> UDPTestSocket {
        let inbox = Inbox()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(inbox) }
            }
            .bind(host: host, port: 0).get()
        return UDPTestSocket(channel: channel, inbox: inbox)
    }

    var port: Int { channel.localAddress?.port ?? 0 }

    /// STUN answers and DTLS datagrams received so far.
    var controlDatagramsReceived: Int { inbox.controlReceived.load(ordering: .relaxed) }

    /// Runs checks and the DTLS handshake towards the grant's address until the connection is secure.
    func connect(_ grant: MediaGrant, timeout: Duration = .seconds(5)) async throws {
        guard let remote = ICECredentials(ufrag: grant.ufrag, password: grant.password),
              let fingerprint = CertificateFingerprint(grant.fingerprint)
        else { throw TestFailure("the grant's media credentials are not valid: \(grant)") }
        try inbox.slot.connection.withLock {
            $0 = try ClientMediaConnection(
                local: TestMedia.identity.credentials, remote: remote, remoteFingerprint: fingerprint,
                certificate: TestMedia.identity.certificate)
        }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (due, state) = inbox.slot.connection.withLock { ($0?.poll(now: .now) ?? [], $0?.state) }
            for datagram in due { try await sendRaw(datagram, to: grant) }
            switch state {
            case .secure?: return
            case .failed(let reason)?: throw TestFailure("media connection failed: \(reason)")
            default: try await Task.sleep(for: .milliseconds(5))
            }
        }
        throw TestFailure("media connection not secure within \(timeout)")
    }

    /// Keeps the connection's consent fresh (checks are due every few seconds): call in long waits.
    func refreshConsent(_ grant: MediaGrant) async throws {
        let due = inbox.slot.connection.withLock { $0?.poll(now: .now) ?? [] }
        for datagram in due { try await sendRaw(datagram, to: grant) }
    }

    /// Protects `bytes` (RTP or RTCP) once connected; as they are before.
    func send(_ bytes: [UInt8], to grant: MediaGrant) async throws {
        try await sendRaw(protect(bytes) ?? bytes, to: grant)
    }

    /// The SRTP/SRTCP datagram `send` would send now (nil before the connection is secure).
    func protect(_ bytes: [UInt8]) -> [UInt8]? {
        inbox.slot.connection.withLock { $0?.protect(bytes) }
    }

    /// Continues `other`'s media connection from this socket (a client that moved to a new address).
    func takeConnection(from other: UDPTestSocket) {
        let shared = other.inbox.slot
        other.inbox.slots.withLock { $0 = ConnectionSlot() }
        inbox.slots.withLock { $0 = shared }
    }

    /// The first check a fresh connection of this grant sends: valid as an eavesdropper would capture it, or with
    /// `password` instead of the grant's (it then fails integrity at the server).
    static func firstCheck(_ grant: MediaGrant, password: String? = nil) throws -> [UInt8] {
        guard let remote = ICECredentials(ufrag: grant.ufrag, password: password ?? grant.password),
              let fingerprint = CertificateFingerprint(grant.fingerprint)
        else { throw TestFailure("bad grant") }
        let client = try ClientMediaConnection(
            local: TestMedia.identity.credentials, remote: remote, remoteFingerprint: fingerprint,
            certificate: TestMedia.identity.certificate)
        guard let check = client.poll(now: .now).first else { throw TestFailure("no check") }
        return check
    }

    /// Bytes received so far of any kind (for amplification measurements).
    var bytesReceived: Int { inbox.bytesReceived.load(ordering: .relaxed) }

    /// Sends bytes as they are (to the grant's port on loopback, or `host`).
    func sendRaw(_ bytes: [UInt8], to grant: MediaGrant, host: String = "127.0.0.1") async throws {
        try await sendRaw(bytes, to: grant.port, host: grant.host.isEmpty ? host : grant.host)
    }

    func sendRaw(_ bytes: [UInt8], to port: UInt16, host: String = "127.0.0.1") async throws {
        let address = try SocketAddress(ipAddress: host, port: Int(port))
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes)))
    }

    /// The next media datagram (decrypted when it could be), in arrival order.
    func receive(timeout: Duration = .seconds(2)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let next = inbox.datagrams.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            if let next { return next }
            try await Task.sleep(for: .milliseconds(2))
        }
        throw TestFailure("no datagram within \(timeout)")
    }

    /// The server's receiver reports received so far (removed from the socket).
    func takeServerReports() -> [[UInt8]] {
        inbox.serverReports.withLock { reports in
            defer { reports = [] }
            return reports
        }
    }

    /// Fails if any media datagram arrives within `duration`.
    func expectNothing(for duration: Duration = .milliseconds(200)) async throws {
        try await Task.sleep(for: duration)
        let pending = inbox.datagrams.withLock { $0 }
        if !pending.isEmpty { throw TestFailure("\(pending.count) unexpected datagrams, first \(pending[0].prefix(16))") }
    }

    func close() async {
        let goodbye = inbox.slot.connection.withLock { $0?.close() ?? [] }
        _ = goodbye  // the server learns of the end from signaling; no close_notify needed in tests
        try? await channel.close()
    }
}

/// Runs `body` with `count` fresh UDP sockets, closed afterwards.
func withUDPSockets<T: Sendable>(_ count: Int, _ body: ([UDPTestSocket]) async throws -> T) async throws -> T {
    var sockets: [UDPTestSocket] = []
    for _ in 0..<count { sockets.append(try await UDPTestSocket.open()) }
    do {
        let result = try await body(sockets)
        for socket in sockets { await socket.close() }
        return result
    } catch {
        for socket in sockets { await socket.close() }
        throw error
    }
}
