/// The server's side of one member's media connection: ICE-lite responder, DTLS server, SRTP both ways.
///
/// I/O-free and single-owner: the caller reads datagrams from its socket, classifies them with `DatagramClass`,
/// hands them here with the real `ContinuousClock.now`, and sends what comes back to the address it came from.
/// Media goes only to `selectedAddress`, and only while `hasConsent(now:)`.
public final class ServerMediaConnection {
    public typealias DTLSResult = TrtcTransport.DTLSResult
    public typealias DTLSEvent = TrtcTransport.DTLSEvent

    public enum STUNOutcome: Equatable {
        /// Send these bytes back to the sender; `selected` says the sender's address is (now) the selected one.
        case answer([UInt8], selected: Bool)
        /// Send nothing.
        case drop(TransportDropReason)
    }

    /// The most `protectRTP`/`protectRTCP` add to a packet: leave this much room after it.
    public static let maxProtectionOverhead: Int = SRTPSession.maxOverhead

    private var ice: ICELiteResponder
    private let channel: SecureChannel

    public init(local: ICECredentials, remoteUfrag: String, remoteFingerprint: CertificateFingerprint,
                certificate: DTLSCertificate, srtpProfiles: [SRTPProfile] = SRTPProfile.allCases) throws(TransportError) {
        // The ufrag comes from the peer over signaling and is echoed in USERNAME: ice-chars only (RFC 8445 5.3).
        guard ICECredentials.isICEText(remoteUfrag, lengths: 4...256) else {
            throw TransportError(.invalidParameter, "ICE ufrag of the peer is not 4-256 ice-chars")
        }
        ice = ICELiteResponder(local: local, remoteUfrag: remoteUfrag)
        channel = try SecureChannel(certificate: certificate, role: .server, remoteFingerprint: remoteFingerprint,
                                srtpProfiles: srtpProfiles)
    }

    public var local: ICECredentials { ice.local }
    public var remoteUfrag: String { ice.remoteUfrag }

    /// The local (server) ufrag a Binding request names in USERNAME "serverUfrag:clientUfrag", unverified; nil
    /// if the datagram is not a parseable Binding request. Finds the connection a check is for.
    public static func localUfrag(ofBindingRequest datagram: UnsafeRawBufferPointer) -> String? {
        ICELiteResponder.localUfrag(ofBindingRequest: datagram)
    }

    /// Verifies FINGERPRINT, USERNAME, MESSAGE-INTEGRITY (keyed by the local password) and the peer's controlling
    /// role. USE-CANDIDATE, or any valid check once an address was selected, moves the selection to the sender.
    /// Unauthenticated requests are dropped, never answered, and no answer is larger than its request.
    /// The last 64 accepted transaction ids are remembered: a repeated one from another address, or more than 10 s
    /// later, is a replay (dropped); from the same address within 10 s it is a STUN retransmission and gets the
    /// same answer again, without refreshing consent or moving the selection.
    public func receiveSTUN(_ datagram: UnsafeRawBufferPointer, from address: TransportAddress,
                            now: ContinuousClock.Instant) -> STUNOutcome {
        switch ice.receive(datagram, from: address, now: now) {
        case .answer(let bytes, let selected): .answer(bytes, selected: selected)
        case .drop(let reason): .drop(reason)
        }
    }

    /// A DTLS datagram from `selectedAddress` (the caller drops DTLS from any other address: an answer to it
    /// would be a reflection). Before any address is selected, nothing is processed or answered.
    public func receiveDTLS(_ datagram: UnsafeRawBufferPointer, now: ContinuousClock.Instant) -> DTLSResult {
        guard ice.selectedAddress != nil else { return DTLSResult() }
        return channel.receive(datagram, now: now)
    }

    /// When `handleTimeout` is next due (DTLS retransmission), nil when no timer runs.
    public var nextTimeout: ContinuousClock.Instant? { channel.nextTimeout }

    /// Retransmissions due at `now`; after too many, the association fails (see `failure`).
    public func handleTimeout(now: ContinuousClock.Instant) -> [[UInt8]] {
        channel.handleTimeout(now: now).outgoing
    }

    public var selectedAddress: TransportAddress? { ice.selectedAddress }

    /// A valid check from `selectedAddress` within the last 30 s (RFC 7675).
    public func hasConsent(now: ContinuousClock.Instant) -> Bool { ice.hasConsent(now: now) }

    /// DTLS done and SRTP ready both ways.
    public var isSecure: Bool { channel.isSecure }

    /// Why DTLS failed (fingerprint mismatch, no common SRTP profile, retransmissions exhausted), nil otherwise.
    public var failure: String? { channel.failure }

    /// The negotiated SRTP profile, once secure.
    public var srtpProfile: SRTPProfile? { channel.srtp?.profile }

    /// In place; returns the new length. Throws `.notSecure`, `.srtpAuthentication`, `.srtpReplay`, `.malformed`.
    public func unprotectRTP(_ packet: UnsafeMutableRawPointer, length: Int) throws(TransportError) -> Int {
        try channel.unprotectRTP(packet, length: length)
    }

    public func unprotectRTCP(_ packet: UnsafeMutableRawPointer, length: Int) throws(TransportError) -> Int {
        try channel.unprotectRTCP(packet, length: length)
    }

    /// In place; `capacity` ≥ `length` + the profile's overhead (at most `maxProtectionOverhead`).
    public func protectRTP(_ packet: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(TransportError) -> Int {
        try channel.protectRTP(packet, length: length, capacity: capacity)
    }

    public func protectRTCP(_ packet: UnsafeMutableRawPointer, length: Int, capacity: Int) throws(TransportError) -> Int {
        try channel.protectRTCP(packet, length: length, capacity: capacity)
    }

    /// close_notify datagrams for `selectedAddress`; SRTP stops.
    public func close() -> [[UInt8]] {
        channel.close(now: .now)
    }
}
