import TrtcCore

/// Checks `condition` every `interval` until it holds; throws `TimedOut` naming `what` once `timeout` has passed.
/// For state that can only be polled (a bus name's owner, a property); output of a child is awaited with
/// `ChildProcess`'s waits instead.
public func waitUntil(_ what: String, timeout: Duration = .seconds(10), interval: Duration = .milliseconds(10),
                      _ condition: () async throws -> Bool) async throws {
    let deadline = MonotonicClock.now + timeout
    while true {
        // The deadline is read before the check, so the check after the deadline always happens.
        let expired = MonotonicClock.now >= deadline
        if try await condition() { return }
        if expired { throw TimedOut("\(what): not within \(timeout)") }
        try await Task.sleep(for: interval)
    }
}
