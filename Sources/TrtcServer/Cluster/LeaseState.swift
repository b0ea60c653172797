import Foundation

/// A node's lease as the node itself knows it, on its own monotonic clock: I/O-free, unit-tested (LeaseStateTests).
/// The database's clock decides who may take a node's rooms (`lease_until`); this decides when the node stops
/// serving by itself, always before that moment: `fenceAfter` after the *send* of the last renewal that succeeded.
struct LeaseState: Sendable, Equatable {
    enum Phase: Sendable, Equatable {
        /// Not registered yet (start-up), or registering again after a fence.
        case unregistered
        /// Registered as `incarnation`; serving while the last good renewal is recent enough.
        case held(incarnation: UUID)
        /// Lost: rooms closed and clients told; the next registration is a new incarnation.
        case fenced
    }

    enum Action: Sendable, Equatable {
        /// Stop admitting, tell the clients, drop the rooms and their media: another node may soon take them.
        case fence(reason: String)
    }

    let fenceAfterMs: Int64
    private(set) var phase: Phase = .unregistered
    /// Monotonic ms when the renewal (or registration) that last succeeded was sent.
    private(set) var lastGoodSendMs: Int64 = 0

    init(fenceAfterMs: Int64) {
        self.fenceAfterMs = fenceAfterMs
    }

    var incarnation: UUID? {
        if case .held(let incarnation) = phase { incarnation } else { nil }
    }

    /// Until when (monotonic ms) this node may admit and forward; 0 when it holds no lease.
    var servingUntilMs: Int64 {
        if case .held = phase { lastGoodSendMs + fenceAfterMs } else { 0 }
    }

    /// Registration sent at `sentMs` succeeded as `incarnation`.
    mutating func registered(_ incarnation: UUID, sentMs: Int64) {
        phase = .held(incarnation: incarnation)
        lastGoodSendMs = sentMs
    }

    /// A renewal sent at `sentMs` was answered. `extended` false: the database no longer has our lease (it expired, or
    /// another incarnation replaced it), so stop at once.
    mutating func renewed(extended: Bool, sentMs: Int64) -> Action? {
        guard case .held = phase else { return nil }
        if extended {
            lastGoodSendMs = max(lastGoodSendMs, sentMs)
            return nil
        }
        phase = .fenced
        return .fence(reason: "the cluster lease was lost (expired in the database)")
    }

    /// The time is `nowMs` (checked often, and on every entry): a lease not renewed in time ends here.
    mutating func tick(nowMs: Int64) -> Action? {
        guard case .held = phase, nowMs >= servingUntilMs else { return nil }
        phase = .fenced
        return .fence(reason: "the cluster lease could not be renewed for \(nowMs - lastGoodSendMs) ms")
    }

    var needsRegistration: Bool {
        switch phase {
        case .unregistered, .fenced: true
        case .held: false
        }
    }
}
