/// The client's (trtcd's) side of its media connection to an ICE-lite server at one known address: controlling
/// ICE agent (checks with USE-CANDIDATE), DTLS client, SRTP both ways.
///
/// I/O-free and single-owner: the caller sends what `poll` returns whenever `nextDeadline` passes (and right after
/// `receiveSTUN` returns true, which may make the DTLS ClientHello due), and hands received datagrams to
/// `receiveSTUN`/`receiveDTLS` by `DatagramClass`.
public final class ClientMediaConnection {
    public enum State: Sendable, Equatable {
        /// Sending connectivity checks, none answered yet.
        case checking
        /// A check succeeded; DTLS handshake under way.
        case handshaking
        /// SRTP ready both ways.
        case secure
        /// Terminal: no check answered within 30 s, DTLS failed or was closed.
        case failed(String)
    }

    public static let maxProtectionOverhead: Int = SRTPSession.maxOverhead

    private var ice: ICEControllingChecker
    private let channel: SecureChannel
    public private(set) var state: State = .checking

    public init(local: ICECredentials, remote: ICECredentials, remoteFingerprint: CertificateFingerprint,
                certificate: DTLSCertificate, srtpProfiles: [SRTPProfile] = SRTPProfile.allCases) throws(TransportError) {
        ice = ICEControllingChecker(local: local, remote: remote)
        channel = try SecureChannel(certificate: certificate, role: .client, remoteFingerprint: remoteFingerprint,
                                srtpProfiles: srtpProfiles)
    }

    /// Datagrams due at `now`: a connectivity check (every 50 ms until one succeeds, then every 2.5 s ± 20 % for
    /// consent), the DTLS ClientHello after the first success, DTLS retransmissions.
    public func poll(now: ContinuousClock.Instant) -> [[UInt8]] {
        if case .failed = state { return [] }
        var outgoing: [[UInt8]] = []
        if let check = ice.poll(now: now) { outgoing.append(check) }
        switch state {
        case .checking:
            if ice.hasGivenUp(now: now) {
                state = .failed("no answer to ICE connectivity checks within 30 s")
                return []
            }
            if ice.firstSuccess != nil {
                state = .handshaking
                outgoing += apply(channel.start(now: now)).outgoing
            }
        case .handshaking, .secure:
            if let timeout = channel.nextTimeout, now >= timeout {
                outgoing += apply(channel.handleTimeout(now: now)).outgoing
            }
        case .failed:
            break
        }
        return outgoing
    }

    /// When `poll` next has something to do.
    public var nextDeadline: ContinuousClock.Instant {
        var deadline = ice.nextDeadline ?? .now
        if state == .checking, let success = ice.firstSuccess { deadline = min(deadline, success) }
        if let timeout = channel.nextTimeout { deadline = min(deadline, timeout) }
        return deadline
    }

    /// True for a valid success response to an outstanding check (then call `poll`: the ClientHello may be due).
    public func receiveSTUN(_ datagram: UnsafeRawBufferPointer, now: ContinuousClock.Instant) -> Bool {
        ice.receive(datagram, now: now)
    }

    /// A DTLS datagram from the server.
    public func receiveDTLS(_ datagram: UnsafeRawBufferPointer, now: ContinuousClock.Instant) -> DTLSResult {
        guard state == .handshaking || state == .secure else { return DTLSResult() }
        return apply(channel.receive(datagram, now: now))
    }

    private func apply(_ result: DTLSResult) -> DTLSResult {
        switch result.event {
        case .connected: state = .secure
        case .failed(let reason): state = .failed(reason)
        case .closed: state = .failed("DTLS closed by the server")
        case nil: break
        }
        return result
    }

    /// A check was answered within the last 30 s (RFC 7675): stop sending media when false.
    public func hasConsent(now: ContinuousClock.Instant) -> Bool { ice.hasConsent(now: now) }

    /// The round trip of the last answered connectivity check (checks run every 2.5 s ± 20 % for consent), nil
    /// before the first answer. Measured against the server itself, which answers checks at once.
    public var roundTrip: Duration? { ice.lastRoundTrip }

    public var isSecure: Bool { channel.isSecure }

    /// The negotiated SRTP profile, once secure.
    public var srtpProfile: SRTPProfile? { channel.srtp?.profile }

    public func unprotectRTP(_ packet: UnsafeMutableRawPointer, length: Int) throws(TransportError) -> Int {
        try channel.unprotectRTP(packet, length: length)
    }

    public func unprotectRTCP(_ packet: UnsafeMutableRawPointer, length: Int) throws(TransportError) -> Int {
        try channel.unprotectRTCP(packet, length: length)
    }

    public func protectRTP(_ packet: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(TransportError) -> Int {
        try channel.protectRTP(packet, length: length, capacity: capacity)
    }

    public func protectRTCP(_ packet: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(TransportError) -> Int {
        try channel.protectRTCP(packet, length: length, capacity: capacity)
    }

    /// close_notify datagrams; the connection is then failed("closed").
    public func close() -> [[UInt8]] {
        let outgoing = channel.close(now: .now)
        state = .failed("closed")
        return outgoing
    }
}
