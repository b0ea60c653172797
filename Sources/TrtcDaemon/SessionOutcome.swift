import TrtcCore

/// How one signaling connection of a room session ended.
enum SessionOutcome: Sendable {
    /// The connection closed or failed after it was open (server gone, network lost, shutdown, silence).
    case lost(String)
    /// The server could not be reached at all.
    case connectFailed(String)
    /// The server answered `enter` with an error.
    case refused(SignalingError)
    /// The room session is over (left, forced out, or no longer wanted): do not reconnect.
    case finished
}

/// What the room session does next.
enum SessionDecision: Sendable {
    case stop
    case reconnect(after: Duration)
}
