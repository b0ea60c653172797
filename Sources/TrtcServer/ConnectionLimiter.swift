import NIOConcurrencyHelpers

/// The listener's connection caps. Every accepted TCP connection is counted from accept to close; one that would
/// exceed a cap is closed before anything is read from it (`SignalingServerChannel.setup`). Shared by all event
/// loops behind one lock: an accept is rare next to the messages a connection carries.
final class ConnectionLimiter: Sendable {
    enum Refusal: String, Sendable {
        /// `maxConnections` are open.
        case serverFull = "server-full"
        /// `maxConnectionsPerIP` are open from the same address.
        case addressFull = "address-full"
    }

    private struct Counts {
        var total = 0
        var byPeer: [PeerAddressKey: Int] = [:]
    }

    private let counts = NIOLockedValueBox(Counts())
    private let maxConnections: Int
    /// 0: no per-IP cap.
    private let maxPerPeer: Int

    init(maxConnections: Int, maxPerPeer: Int) {
        self.maxConnections = maxConnections
        self.maxPerPeer = maxPerPeer
    }

    /// Counts a new connection in, or returns the cap it would exceed (then it is not counted).
    func admit(_ peer: PeerAddressKey?) -> Refusal? {
        counts.withLockedValue { counts in
            guard counts.total < maxConnections else { return .serverFull }
            if let peer, maxPerPeer > 0 {
                let open = counts.byPeer[peer, default: 0]
                guard open < maxPerPeer else { return .addressFull }
                counts.byPeer[peer] = open + 1
            }
            counts.total += 1
            return nil
        }
    }

    /// An admitted connection closed.
    func release(_ peer: PeerAddressKey?) {
        counts.withLockedValue { counts in
            counts.total -= 1
            if let peer, maxPerPeer > 0, let open = counts.byPeer[peer] {
                counts.byPeer[peer] = open > 1 ? open - 1 : nil
            }
        }
    }

    /// Open connections now (tests).
    var open: Int { counts.withLockedValue { $0.total } }
}
