import Foundation
import Glibc
import Synchronization
import TrtcCore
import TrtcTransport

/// What a test or benchmark client offers in `enter` for its media connection, kept for the connection that follows.
public struct MediaPeerIdentity: Sendable {
    public let credentials: ICECredentials
    public let certificate: DTLSCertificate

    public init() throws {
        credentials = .random()
        certificate = try DTLSCertificate.generate()
    }

    public var offer: MediaOffer {
        MediaOffer(ufrag: credentials.ufrag, fingerprint: certificate.fingerprint.description)
    }
}

/// A media client played by a test or benchmark: a connected UDP socket running the same ICE/DTLS/SRTP client as
/// trtcd (`ClientMediaConnection`), driven by the caller's calls instead of a thread. `send` protects, `receive`
/// answers the connection's own traffic (checks, handshake) and returns decrypted RTP/RTCP; `sendRaw` sends bytes
/// as they are (for hostile datagrams).
public final class SecureMediaPeer: Sendable {
    public let fd: Int32
    public let grant: MediaGrant
    private let connection: Mutex<ClientMediaConnection>

    /// Opens the socket towards the grant's address (no host: `signalingHost`); `connect` runs the handshake.
    public init(grant: MediaGrant, identity: MediaPeerIdentity, signalingHost: String = "127.0.0.1") throws {
        guard let remote = ICECredentials(ufrag: grant.ufrag, password: grant.password),
              let fingerprint = CertificateFingerprint(grant.fingerprint)
        else { throw ProcessFailure("the grant's media credentials are not valid: \(grant)") }
        self.grant = grant
        self.connection = Mutex(try ClientMediaConnection(
            local: identity.credentials, remote: remote, remoteFingerprint: fingerprint, certificate: identity.certificate))
        let host = ["", "0.0.0.0", "::"].contains(grant.host) ? signalingHost : grant.host
        let ipv6 = host.contains(":")
        fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ProcessFailure("socket: \(String(cString: strerror(errno)))") }
        var connected: Int32 = -1
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = grant.port.bigEndian
            inet_pton(AF_INET6, host, &address.sin6_addr)
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = grant.port.bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw ProcessFailure("UDP connect to \(host):\(grant.port): \(reason)")
        }
    }

    /// Local UDP port (to tell this peer's traffic apart, or to aim at it).
    public var localPort: UInt16 {
        var address = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        // sin_port and sin6_port sit at the same offset.
        return UInt16(bigEndian: address.sin6_port)
    }

    public var state: ClientMediaConnection.State { connection.withLock { $0.state } }

    /// Runs checks and the DTLS handshake until the connection is secure; throws on failure or timeout.
    public func connect(timeout: Duration = .seconds(5)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            switch state {
            case .secure: return
            case .failed(let reason): throw ProcessFailure("media connection failed: \(reason)")
            case .checking, .handshaking: _ = receive(timeoutMs: 10)
            }
        }
        throw ProcessFailure("media connection not secure within \(timeout) (state \(state))")
    }

    /// Protects an RTP or RTCP packet and sends it.
    public func send(_ packet: [UInt8]) {
        guard let datagram = connection.withLock({ $0.protect(packet) }) else { return }
        sendRaw(datagram)
    }

    /// Sends bytes as they are.
    public func sendRaw(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Decrypted RTP/RTCP that arrives within `timeoutMs` (what fails authentication is left out); checks,
    /// handshake flights and retransmissions are handled meanwhile.
    public func receive(timeoutMs: Int32) -> [[UInt8]] {
        var packets: [[UInt8]] = []
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutMs))
        repeat {
            let nextDeadline = connection.withLock { connection in
                for datagram in connection.poll(now: .now) { sendRaw(datagram) }
                return connection.nextDeadline
            }
            let wait = min(deadline, nextDeadline) - ContinuousClock.now
            let waitMs = packets.isEmpty ? max(0, Int32(clamping: Int64(wait / .milliseconds(1)))) : 0
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, waitMs) > 0 else {
                if !packets.isEmpty { break }
                continue
            }
            var buffer = [UInt8](repeating: 0, count: 2048)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count > 0 else { continue }
            if let packet = handle(&buffer, count: count) { packets.append(packet) }
        } while ContinuousClock.now < deadline
        return packets
    }

    private func handle(_ buffer: inout [UInt8], count: Int) -> [UInt8]? {
        let received = connection.withLock { connection in
            buffer.withUnsafeMutableBytes { connection.receive(UnsafeMutableRawBufferPointer(rebasing: $0[0..<count]), now: .now) }
        }
        switch received {
        case .control(let replies):
            for datagram in replies { sendRaw(datagram) }
            return nil
        case .media(let length, _):
            return Array(buffer[0..<length])
        case .dropped:
            return nil
        }
    }

    public func close() {
        let goodbye = connection.withLock { $0.close() }
        for datagram in goodbye { sendRaw(datagram) }
        Glibc.close(fd)
    }
}
