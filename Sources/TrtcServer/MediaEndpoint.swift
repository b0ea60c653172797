import Synchronization

/// The media socket's address as clients are told it. With `--media HOST:0` the port is only known once the
/// socket is bound, so signaling connections wait for `ready()` before anyone can enter.
final class MediaEndpoint: Sendable {
    private enum State {
        case pending([CheckedContinuation<Void, Never>])
        case bound(UInt16)
        case failed
    }

    let host: String
    private let state = Mutex(State.pending([]))

    init(host: String) {
        self.host = host
    }

    /// The bound port, or nil before binding and after a failed bind.
    var port: UInt16? {
        state.withLock { if case .bound(let port) = $0 { port } else { nil } }
    }

    /// Returns once the socket is bound or failed to bind; check `port` afterwards.
    func ready() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiting = state.withLock { state -> Bool in
                guard case .pending(var waiters) = state else { return false }
                waiters.append(continuation)
                state = .pending(waiters)
                return true
            }
            if !waiting { continuation.resume() }
        }
    }

    func bound(port: UInt16) { settle(.bound(port)) }

    /// The socket could not be bound or is gone for good; nobody may wait for it any longer.
    func failed() { settle(.failed) }

    private func settle(_ outcome: State) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            // Settled once: a socket closed at shutdown keeps its port for whoever still asks.
            guard case .pending(let waiters) = state else { return [] }
            state = outcome
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
