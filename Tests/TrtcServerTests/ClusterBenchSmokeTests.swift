import Foundation
import Testing
import TrtcHarness

/// `trtc-bench cluster` (docs/benchmarks.md) on a small scale, so that the benchmark behind the recorded figures
/// keeps working: every section runs and prints its row.
@Suite("trtc-bench cluster, small")
struct ClusterBenchSmokeTests {
    @Test("30 rooms over 3 nodes, 4 RemoveUser calls, one failover at a 2 s TTL: every row printed")
    func smallRun() async throws {
        let run = try await CommandRun.run(
            BuiltProducts.executable("trtc-bench").path,
            ["cluster", "--rooms", "30", "--remove-samples", "4", "--failovers", "1", "--lease-ttl", "2"],
            timeout: .seconds(240))
        #expect(run.status == 0, "\(run)")
        let rows = run.stdout.split(separator: "\n").map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let spread = try #require(rows.first { $0.count > 3 && $0[1] == "rooms per node (max/min)" })
        // Three nodes' room counts adding up to the rooms placed.
        let counts = spread[2].split(separator: "(")[0].split(separator: "/").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        #expect(counts.count == 3 && counts.reduce(0, +) == 30, "\(spread)")
        #expect(rows.contains { $0.count > 3 && $0[1] == "RemoveUser at a non-owner → exit, p50 / p99" && $0[2].hasSuffix("ms") },
                "\(run.stdout)")
        for measure in ["owner killed → room usable again: median (each)", "owner killed → its members back in the room: median (each)"] {
            #expect(rows.contains { $0.count > 3 && $0[1] == measure && $0[2].hasSuffix(" s)") }, "\(measure): \(run.stdout)")
        }
    }
}
