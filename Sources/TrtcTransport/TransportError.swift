/// Why a transport operation failed.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Certificate generation failed.
        case certificate
        /// DTLS could not be set up.
        case dtls
        /// SRTP used before the handshake finished (or after it failed or closed).
        case notSecure
        /// An SRTP/SRTCP packet's authentication tag is wrong: altered, forged, or keyed for someone else.
        case srtpAuthentication
        /// An SRTP/SRTCP packet index already received, or older than the replay window.
        case srtpReplay
        /// Too short to be SRTP/SRTCP, or libsrtp could not parse it.
        case malformed
        /// The buffer cannot take the authentication tag (see `maxProtectionOverhead`).
        case noRoom
        /// Another libsrtp failure.
        case srtp
        /// An argument the peer or the caller supplied is invalid (e.g. an ICE ufrag outside the ice-char set).
        case invalidParameter
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// How a server counts a packet dropped for this error.
    public var dropReason: TransportDropReason {
        switch kind {
        case .certificate, .dtls, .srtp, .noRoom, .invalidParameter: .srtpFailure
        case .notSecure: .dtlsNotReady
        case .srtpAuthentication: .srtpAuthentication
        case .srtpReplay: .srtpReplay
        case .malformed: .malformed
        }
    }
}

/// Why a received datagram was dropped; raw values are metric label values.
public enum TransportDropReason: String, Sendable, CaseIterable {
    /// Not a well-formed STUN message, SRTP packet or datagram of any known kind.
    case malformed
    /// A STUN message that is not a Binding request (or, at a client, not a response to an outstanding check).
    case unexpectedSTUN
    /// USERNAME missing or not "localUfrag:remoteUfrag" of this connection.
    case unknownUsername
    /// MESSAGE-INTEGRITY missing or wrong: not keyed with this connection's password.
    case badIntegrity
    /// FINGERPRINT missing or wrong.
    case badFingerprint
    /// The peer claims to be controlled too (it must be controlling: this side is ICE-lite).
    case roleConflict
    /// A transaction id of one of the last 64 accepted checks, from another address or more than 10 s later.
    case replayedTransaction
    /// From an address that never passed a connectivity check.
    case unconsentedAddress
    /// The answer would be larger than the request (no amplification).
    case amplification
    /// DTLS or SRTP before the handshake finished.
    case dtlsNotReady
    case srtpAuthentication
    case srtpReplay
    case srtpFailure
}
