/// How long a client waits before its next attempt to get back into a room after losing its connection: the first
/// retry at once (100 ms: a node that died is usually behind another one already), then doubling up to 1 s. The cap is
/// low because a cluster's failover (docs/cluster.md) frees a dead node's rooms at a moment nobody can predict, and a
/// client that waits 2 s more than needed misses it by that much; retries land on a surviving node, which holds the
/// entry until the dead owner's lease ends rather than let the client spin.
public enum ReconnectBackoff {
    public static let first = Duration.milliseconds(100)
    public static let cap = Duration.seconds(1)

    /// The pause after `failures` attempts that failed since the connection was lost (0: right after the loss).
    public static func delay(afterFailures failures: Int) -> Duration {
        let doubled = 100 << min(max(failures, 0), 10)
        return min(cap, .milliseconds(doubled))
    }
}
