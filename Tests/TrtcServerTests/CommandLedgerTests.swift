import Foundation
import Testing
@testable import TrtcServer

/// A forwarded server-API command reaches its owner in its notification and through the scan; the ledger lets one
/// of the two run it, and the notification payloads say what each path gets. No database here.
@Suite("cluster command ledger and notifications")
struct CommandLedgerTests {
    @Test("a command runs once whichever path gets it first; the other stores its outcome or leaves it to the first")
    func runsOnce() {
        var ledger = CommandLedger()
        let first = ledger.start(7, nowMs: 100)
        #expect(first == .run)
        // The scan claims it while the notified path runs it: that path stores the result.
        let meanwhile = ledger.start(7, nowMs: 101)
        #expect(meanwhile == .running)
        ledger.finish(7, outcome: "done", nowMs: 105)
        // A scan after the notified path could not store the result: stores it, without running it again.
        let later = ledger.start(7, nowMs: 2_000)
        #expect(later == .done(outcome: "done"))
        let other = ledger.start(8, nowMs: 2_000)
        #expect(other == .run)
    }

    @Test("pruning forgets finished commands older than the table keeps them, never one still running")
    func prunes() {
        var ledger = CommandLedger()
        _ = ledger.start(1, nowMs: 0)
        ledger.finish(1, outcome: "done", nowMs: 10)
        _ = ledger.start(2, nowMs: 0)
        _ = ledger.start(3, nowMs: 0)
        ledger.finish(3, outcome: "roomNotExist", nowMs: 500)
        ledger.prune(finishedBeforeMs: 100)
        #expect(ledger.entries == [2: .running(sinceMs: 0), 3: .done(outcome: "roomNotExist", atMs: 500)])
    }

    @Test("payloads: a command with its body for one incarnation, a scan for a node, a result; anything else ignored")
    func payloads() throws {
        let incarnation = UUID()
        let body = #"{"room": "s:a b", "userIds": ["x y"], "sdkAppId": 1400000001}"#
        let payload = "run \(incarnation.uuidString.lowercased()) 42 removeUsers \(body)"
        #expect(ClusterNotification(payload: payload)
                == .run(incarnation: incarnation, command: ClaimedCommand(id: 42, kind: "removeUsers", body: body)))
        #expect(ClusterNotification(payload: "command media-1") == .scan(nodeId: "media-1"))
        #expect(ClusterNotification(payload: "result 42") == .result(id: 42))
        #expect(ClusterNotification(payload: "result x") == nil)
        #expect(ClusterNotification(payload: "run not-a-uuid 42 dismiss {}") == nil)
        #expect(ClusterNotification(payload: "run \(incarnation.uuidString) 42") == nil)
        #expect(ClusterNotification(payload: "hello") == nil)
    }
}
