import DequeModule
import Dispatch
import Synchronization
import TrtcRTP

/// The packets waiting for one remote receiver's queue: at most `capacity`, the oldest dropped (and counted) when a
/// sender outpaces the decoder, so a flooding room member costs a bounded amount of memory and the picture stays
/// current rather than late (security finding M4). The transport's receive thread pushes; the receiver's queue takes.
/// Each packet keeps its arrival time (monotonic, taken when pushed), so that jitter is measured on the network, not
/// on this queue's turns.
final class RTPInbox: Sendable {
    typealias Arrival = (packet: RTPPacket, arrival: Duration)
    let capacity: Int
    private struct State {
        var packets = Deque<Arrival>()
        var drainScheduled = false
        var dropped = 0
    }
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Adds `packet`, and when no drain is pending schedules one on `queue`: `process` gets the waiting packets in
    /// batches, each batch a work item of its own so that the queue's other work (stop, restart) gets its turn.
    func push(_ packet: RTPPacket, arrival: Duration, drainingOn queue: DispatchQueue,
              into process: @escaping @Sendable (RTPPacket, Duration) -> Void) {
        guard push(packet, arrival: arrival) else { return }
        queue.async { self.drain(on: queue, into: process) }
    }

    private func drain(on queue: DispatchQueue, into process: @escaping @Sendable (RTPPacket, Duration) -> Void) {
        let packets = take()
        guard !packets.isEmpty else { return }
        for entry in packets { process(entry.packet, entry.arrival) }
        queue.async { self.drain(on: queue, into: process) }
    }

    /// Adds `packet`; true when the caller must schedule a drain (none is pending).
    func push(_ packet: RTPPacket, arrival: Duration) -> Bool {
        state.withLock { state in
            if state.packets.count >= capacity {
                state.packets.removeFirst()
                state.dropped += 1
            }
            state.packets.append((packet, arrival))
            guard !state.drainScheduled else { return false }
            state.drainScheduled = true
            return true
        }
    }

    /// Everything waiting, oldest first; an empty result ends the scheduled drain (the next push schedules another).
    func take() -> Deque<Arrival> {
        state.withLock { state in
            if state.packets.isEmpty { state.drainScheduled = false }
            defer { state.packets.removeAll(keepingCapacity: false) }
            return state.packets
        }
    }

    /// Packets dropped because the receiver fell `capacity` behind.
    var dropped: Int { state.withLock { $0.dropped } }
}
