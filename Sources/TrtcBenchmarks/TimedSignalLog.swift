import Synchronization
import TrtcDBus

/// The room signals one D-Bus client received, each with the instant its receiving task saw it, so a latency
/// can be taken from the arrival itself rather than from whenever the measuring task gets to look.
final class TimedSignalLog: Sendable {
    struct Entry: Sendable {
        let member: String
        let arguments: [DBusValue]
        let arrival: ContinuousClock.Instant
    }

    private struct Waiter {
        let from: Int
        let matches: @Sendable (Entry) -> Bool
        let continuation: CheckedContinuation<Entry?, Never>
    }

    private struct State {
        var entries: [Entry] = []
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
        var closed = false
    }

    private let state = Mutex(State())

    /// How many signals have been recorded: the index the next one will get.
    var count: Int { state.withLock { $0.entries.count } }

    func record(_ signal: DBusSignal, at arrival: ContinuousClock.Instant) {
        let entry = Entry(member: signal.member, arguments: signal.arguments.map(\.unwrappedVariant), arrival: arrival)
        let woken: [CheckedContinuation<Entry?, Never>] = state.withLock { state in
            state.entries.append(entry)
            let index = state.entries.count - 1
            let matched = state.waiters.filter { $0.value.from <= index && $0.value.matches(entry) }
            for id in matched.keys { state.waiters[id] = nil }
            return matched.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume(returning: entry) }
    }

    /// The subscription ended: nothing more will come.
    func close() {
        let waiting: [CheckedContinuation<Entry?, Never>] = state.withLock { state in
            state.closed = true
            defer { state.waiters = [:] }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in waiting { continuation.resume(returning: nil) }
    }

    /// The first signal at index `from` or later that `matches`, waiting up to `timeout` for it.
    func first(from: Int, timeout: Duration, describing what: String,
               where matches: @escaping @Sendable (Entry) -> Bool) async throws -> Entry {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        let found: Entry? = await withTaskGroup(of: Entry?.self) { group in
            group.addTask { await self.wait(id, from: from, matches: matches) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.expire(id)
                return nil
            }
            var found: Entry?
            for await result in group {
                if let result { found = result }
                group.cancelAll()
            }
            return found
        }
        guard let found else {
            let seen = state.withLock { $0.entries.suffix(8).map { "\($0.member)\($0.arguments)" } }
            throw BenchFailure("no \(what) within \(timeout); last signals: \(seen)")
        }
        return found
    }

    private func wait(_ id: UInt64, from: Int, matches: @escaping @Sendable (Entry) -> Bool) async -> Entry? {
        await withCheckedContinuation { continuation in
            let immediate: Entry?? = state.withLock { state in
                if let entry = state.entries.dropFirst(from).first(where: matches) { return .some(entry) }
                if state.closed { return .some(nil) }
                state.waiters[id] = Waiter(from: from, matches: matches, continuation: continuation)
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    private func expire(_ id: UInt64) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume(returning: nil)
    }
}
