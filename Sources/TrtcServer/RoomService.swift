import Logging
import ServiceLifecycle
import TrtcCore

/// The registry's long-running part: the departure sweep, and on graceful shutdown telling every client
/// before the HTTP server goes away.
struct RoomService: Service {
    let registry: RoomRegistry
    let sweepInterval: Duration
    let logger: Logger

    func run() async throws {
        // Sleeps end early on graceful shutdown; cancellation ends the loop too.
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: sweepInterval)
            registry.sweep(now: MonotonicClock.milliseconds)
        }
        registry.shutdown()
        // Give the connections a moment to flush the shutdown message and close; never wait long.
        for _ in 0..<50 where registry.stats.connections > 0 {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await registry.stopWorkers()
    }
}
