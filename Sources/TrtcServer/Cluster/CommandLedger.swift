/// The server-API commands this process has started, by id: I/O-free, unit-tested (CommandLedgerTests).
///
/// A command reaches its owner two ways: its notification carries it (run at once, no claim first: one database
/// round trip less between the caller's statement and the member's ExitRoom), and the scan claims it from the table
/// (the fallback when a notification was lost). Commands are addressed to one incarnation, which is one process, so
/// this record in memory is what makes either path run a command at most once; the scan completes in the table what
/// the notified path ran but could not record.
struct CommandLedger: Sendable, Equatable {
    enum Entry: Sendable, Equatable {
        case running(sinceMs: Int64)
        case done(outcome: String, atMs: Int64)
    }

    /// What a path that got command `id` does with it.
    enum Start: Sendable, Equatable {
        /// Run it (nobody has), then `finish`.
        case run
        /// Another path runs it now and will store its result.
        case running
        /// It ran already: store this outcome (again) without running it.
        case done(outcome: String)
    }

    private(set) var entries: [Int64: Entry] = [:]

    mutating func start(_ id: Int64, nowMs: Int64) -> Start {
        switch entries[id] {
        case nil:
            entries[id] = .running(sinceMs: nowMs)
            return .run
        case .running:
            return .running
        case .done(let outcome, _):
            return .done(outcome: outcome)
        }
    }

    mutating func finish(_ id: Int64, outcome: String, nowMs: Int64) {
        entries[id] = .done(outcome: outcome, atMs: nowMs)
    }

    /// Forgets commands finished before `beforeMs` (the table drops them after a minute, so no scan can see them
    /// again); commands still running stay.
    mutating func prune(finishedBeforeMs beforeMs: Int64) {
        entries = entries.filter { _, entry in
            if case .done(_, let at) = entry { at >= beforeMs } else { true }
        }
    }
}
