import Foundation
import Testing
import TrtcHarness

/// `trtc-bench hostile` (docs/security.md, "Hostile connections and amplification, measured") on a small scale, so
/// that the benchmark behind the recorded figures keeps working: parked and slowloris connections are all closed at
/// the request-head deadline, and the unauthenticated inputs that are answered with nothing stay so.
@Suite("trtc-bench hostile, small")
struct HostileBenchSmokeTests {
    @Test("50 parked and 50 slowloris connections closed at a 2 s deadline; garbage heads answered with 0 bytes")
    func smallRun() async throws {
        let run = try await CommandRun.run(
            BuiltProducts.executable("trtc-bench").path,
            ["hostile", "--connections", "50", "--kinds", "parked,slowloris", "--deadline", "2", "--hold-deadline", "60",
             "--entry-samples", "2"],
            timeout: .seconds(180))
        #expect(run.status == 0, "\(run)")
        let rows = run.stdout.split(separator: "\n").map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        for kind in ["parked", "slowloris"] {
            // The deadline table: | kind | opened (in) | most open at once | closed by the server | life | counters | sessions |
            let row = rows.first { $0.count > 7 && $0[1] == kind }
            #expect(row?[4] == "50", "\(kind): \(row ?? [])")
            #expect(row?[6] == "request-head 50, enter 0", "\(kind): \(row ?? [])")
        }
        for input in ["HTTP request head garbage (12 bytes)", "HTTP request head garbage (1 KiB line)",
                      "TCP connect, nothing sent (held until the request-head deadline)"] {
            // The amplification table: | input | bytes in | bytes out | out / in | closed | answer |
            let row = rows.first { $0.count > 6 && $0[1] == input }
            #expect(row?[3] == "0", "\(input): \(row ?? [])")
            #expect(row?[5] == "yes", "\(input): \(row ?? [])")
        }
    }
}
