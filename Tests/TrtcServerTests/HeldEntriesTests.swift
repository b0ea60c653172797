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
        #expect(held.hold("a", for: dead))
        #expect(!held.hold("b", for: dead))
        // Another incarnation of the same node id is another owner.
        #expect(held.hold("c", for: other))
        #expect(held.take(dead) == ["a", "b"])
        #expect(held.take(dead).isEmpty)
        // After the take, a late entry opens a new group and drives it.
        #expect(held.hold("d", for: dead))
        #expect(held.groups.count == 2)
    }
}
