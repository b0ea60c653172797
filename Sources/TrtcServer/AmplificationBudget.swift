/// What a connection may still be sent before it authenticates: never more bytes than it has sent itself
/// (docs/security.md, "Amplification: bytes out / bytes in"). Counted on the plaintext stream, above TLS. Once the
/// connection authenticates (an `enter` with a verified UserSig, a server-API request with a valid signature) or asks
/// for an exempt endpoint, the budget is lifted for the rest of its life. Owned by `AmplificationGuardHandler`.
struct AmplificationBudget {
    private(set) var received = 0
    private(set) var sent = 0
    private(set) var isLifted = false

    /// Bytes that may still go out; `Int.max` once lifted.
    var remaining: Int { isLifted ? .max : received - sent }

    mutating func receive(_ bytes: Int) {
        received += bytes
    }

    enum Decision: Equatable {
        case send
        /// More than the connection has earned: nothing of it may go out, and the connection is closed.
        case refuse
    }

    /// Spends `bytes` on one answer (what is flushed together), all of it or none.
    mutating func send(_ bytes: Int) -> Decision {
        if isLifted { return .send }
        guard bytes <= received - sent else { return .refuse }
        sent += bytes
        return .send
    }

    mutating func lift() {
        isLifted = true
    }
}
