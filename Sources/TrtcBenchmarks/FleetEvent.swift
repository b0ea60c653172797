/// What a simulated client reports to the benchmark driver, stamped when the client saw it.
enum FleetEvent: Sendable {
    /// The server's 101 arrived: the WebSocket is up.
    case connected(client: Int)
    case entered(client: Int, at: ContinuousClock.Instant, heartbeatMs: Int)
    case refused(client: Int, message: String)
    /// The answer `ack` to a request of the client (its seq).
    case acknowledged(client: Int, at: ContinuousClock.Instant, seq: UInt32)
    case exit(client: Int, at: ContinuousClock.Instant, reason: Int32)
    /// The connection ended (after an exit, a close, or a failure to connect).
    case closed(client: Int, at: ContinuousClock.Instant, error: String?)
    /// Sent periodically by the fleet so a waiting driver can check its deadline.
    case tick
}
