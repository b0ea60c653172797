import Foundation
import Testing
@testable import TrtcServer

/// Entries held for owners that stopped renewing, grouped so that one driver per owner places them all at once.
@Suite("cluster held entries")
struct HeldEntriesTests {
    @Test("the first entry for an owner drives its group; the others join it; taking closes the group")
    func groupsByOwner() {
        var held = HeldEntries<String>()
        let dead = HeldEntries<String>.Owner(nodeId: "n1", incarnation: UUID())
        let other = HeldEntries<String>.Owner(nodeId: "n1", incarnation: UUID())
        let opened = held.hold("a", for: dead)
        let joined = held.hold("b", for: dead)
        // Another incarnation of the same node id is another owner.
        let another = held.hold("c", for: other)
        #expect(opened && !joined && another)
        let taken = held.take(dead)
        let again = held.take(dead)
        #expect(taken == ["a", "b"] && again.isEmpty)
        // After the take, a late entry opens a new group and drives it.
        let late = held.hold("d", for: dead)
        #expect(late)
        #expect(held.groups.count == 2)
    }
}
