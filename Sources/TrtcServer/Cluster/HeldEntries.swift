import Foundation

/// Entries held at this node because their room's owner stopped renewing, grouped by that owner: I/O-free,
/// unit-tested (HeldEntriesTests). The entry that opens a group drives it (waits for the owner's lease to end, then
/// places every room of the group in one statement); entries joining meanwhile only wait. A dead node's members all
/// come back at once: one statement per group instead of one per entry every renewal interval keeps the database
/// free for the moment the lease ends.
struct HeldEntries<Job: Sendable>: Sendable {
    struct Owner: Hashable, Sendable {
        var nodeId: String
        var incarnation: UUID
    }

    private(set) var groups: [Owner: [Job]] = [:]

    /// Holds `job` until `owner`'s lease ends; true when it opened the group (its caller drives it).
    mutating func hold(_ job: Job, for owner: Owner) -> Bool {
        if groups[owner] != nil {
            groups[owner]!.append(job)
            return false
        }
        groups[owner] = [job]
        return true
    }

    /// Takes the group's jobs, in the order they came; the group closes (a later entry opens a new one).
    mutating func take(_ owner: Owner) -> [Job] {
        groups.removeValue(forKey: owner) ?? []
    }
}
