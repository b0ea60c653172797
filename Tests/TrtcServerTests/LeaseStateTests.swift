import Foundation
import Testing
@testable import TrtcServer

/// The lease as the node knows it, without a database: when it serves and when it fences itself.
@Suite("cluster lease state")
struct LeaseStateTests {
    @Test("registered: serves until fenceAfter past the send of the last good renewal, then fences once")
    func fencesWhenNotRenewed() {
        var lease = LeaseState(fenceAfterMs: 4000)
        #expect(lease.needsRegistration)
        #expect(lease.servingUntilMs == 0)
        let incarnation = UUID()
        lease.registered(incarnation, sentMs: 1000)
        #expect(lease.incarnation == incarnation)
        #expect(lease.servingUntilMs == 5000)
        #expect(lease.renewed(extended: true, sentMs: 2000) == nil)
        // A late answer to an older renewal does not move the deadline back.
        #expect(lease.renewed(extended: true, sentMs: 1500) == nil)
        #expect(lease.servingUntilMs == 6000)
        #expect(lease.tick(nowMs: 5999) == nil)
        guard case .fence = lease.tick(nowMs: 6000) else {
            Issue.record("no fence at the deadline")
            return
        }
        #expect(lease.tick(nowMs: 7000) == nil, "fenced once")
        #expect(lease.needsRegistration)
        #expect(lease.servingUntilMs == 0)
    }

    @Test("the database no longer has the lease: fence at once; a new registration is a new incarnation")
    func lostInDatabase() {
        var lease = LeaseState(fenceAfterMs: 4000)
        lease.registered(UUID(), sentMs: 0)
        guard case .fence = lease.renewed(extended: false, sentMs: 100) else {
            Issue.record("no fence when the renewal was rejected")
            return
        }
        #expect(lease.incarnation == nil)
        let next = UUID()
        lease.registered(next, sentMs: 200)
        #expect(lease.incarnation == next)
        #expect(lease.tick(nowMs: 4199) == nil)
    }

    @Test("a process stopped past its deadline fences on its first tick after resuming")
    func stoppedProcess() {
        var lease = LeaseState(fenceAfterMs: 1600)
        lease.registered(UUID(), sentMs: 10_000)
        #expect(lease.tick(nowMs: 10_400) == nil)
        #expect(lease.tick(nowMs: 30_000) != nil)
    }
}
