import NIOCore
import NIOPosix
import TrtcCore

/// Many simulated trtcd signaling clients in this process, each on its own WebSocket to the server.
/// Driven by one task (the benchmark); each client is a NIO channel (`FleetClient`) reporting through `FleetSink`.
/// Leaner than TrtcClient's SignalingClient (no task per connection, writes straight to the channel, pongs and
/// room events recognised by their text instead of parsed) so that 10,000 of them leave the CPU to the server.
final class ClientFleet {
    let host: String
    let port: Int
    let sink = FleetSink()
    private var iterator: AsyncStream<FleetEvent>.Iterator
    private var started = 0
    private let group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private var ticker: Task<Void, Never>?
    private var heartbeats: Task<Void, Never>?
    private(set) var connected: Set<Int> = []
    private(set) var closedCount = 0

    /// `server` as the servers print it: `ws://HOST:PORT`.
    init(server: String) {
        let authority = server.split(separator: "/").last.map(String.init) ?? server
        let colon = authority.lastIndex(of: ":") ?? authority.endIndex
        host = String(authority[..<colon])
        port = Int(authority[colon...].dropFirst()) ?? 80
        iterator = sink.events.makeAsyncIterator()
        ticker = Task { [sink] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                sink.yield(.tick)
            }
        }
    }

    /// Opens the WebSockets of `clients`, at most `window` handshakes at a time; returns when all are upgraded.
    func connect(_ clients: Range<Int>, window: Int, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        var pending = clients.makeIterator()
        var inFlight = 0
        while inFlight < window, let client = pending.next() {
            start(client)
            inFlight += 1
        }
        var remaining = clients.count
        while remaining > 0 {
            switch try await next(deadline: deadline, waitingFor: "\(remaining) connections") {
            case .connected(let client):
                connected.insert(client)
                remaining -= 1
                if let next = pending.next() { start(next) }
            case .closed(let client, _, let error) where clients.contains(client):
                throw BenchFailure("client \(client) could not connect: \(error ?? "closed")")
            default:
                continue
            }
        }
    }

    private func start(_ client: Int) {
        started += 1
        FleetClient.open(client, host: host, port: port, group: group, sink: sink)
    }

    /// The next event, or a failure once `deadline` has passed.
    func next(deadline: ContinuousClock.Instant, waitingFor what: String) async throws -> FleetEvent {
        guard let event = await next(before: deadline) else { throw BenchFailure("timed out waiting for \(what)") }
        return event
    }

    /// The next event, or nil once `deadline` has passed.
    func next(before deadline: ContinuousClock.Instant) async -> FleetEvent? {
        while true {
            guard let event = await iterator.next() else { return nil }
            if case .tick = event {
                if ContinuousClock.now >= deadline { return nil }
                continue
            }
            if case .closed = event { closedCount += 1 }
            return event
        }
    }

    func send(_ text: String, to client: Int) {
        sink.send(text, from: client)
    }

    /// Drops the connections of `clients` (each reports `.closed`).
    func close(_ clients: [Int]) {
        sink.close(clients)
    }

    /// Sends every client in `clients` a heartbeat each `interval`, spread evenly over the interval.
    func startHeartbeats(_ clients: [Int], interval: Duration) {
        heartbeats?.cancel()
        let sink = sink
        let text = ClientMessage.heartbeat.text
        heartbeats = Task {
            let slots = 25
            let slotTime = interval / slots
            var slot = 0
            while !Task.isCancelled {
                for (index, client) in clients.enumerated() where index % slots == slot {
                    sink.send(text, from: client)
                }
                slot = (slot + 1) % slots
                try? await Task.sleep(for: slotTime)
            }
        }
    }

    func stopHeartbeats() {
        heartbeats?.cancel()
        heartbeats = nil
    }

    /// Closes every connection and waits (bounded) for them to end.
    func shutdown() async {
        stopHeartbeats()
        sink.closeAll()
        let deadline = ContinuousClock.now + .seconds(10)
        while closedCount < started {
            guard (try? await next(deadline: deadline, waitingFor: "connections to close")) != nil else { break }
        }
        ticker?.cancel()
        sink.finish()
    }
}
