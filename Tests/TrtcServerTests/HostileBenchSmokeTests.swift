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

    /// Security: every unauthenticated input of the TCP listener, against a real trtc-server process, is answered with
    /// at most as many bytes as it sent (docs/security.md, "Amplification: bytes out / bytes in"); inputs that used to
    /// get more (the upgrade with its `hello`, 1.23; the smallest API request, 5.03; `GET /`; tiny signaling messages)
    /// are held to it, while requests a real client sends still get their full answers.
    @Test("every unauthenticated TCP input: bytes out ≤ bytes in, and real clients' errors still answered")
    func amplificationAtMostOne() async throws {
        let run = try await CommandRun.run(
            BuiltProducts.executable("trtc-bench").path,
            ["hostile", "--kinds", "", "--deadline", "2", "--entry-samples", "1"],
            timeout: .seconds(180))
        #expect(run.status == 0, "\(run)")
        // The amplification table: | input | bytes in | bytes out | out / in | closed | answer |
        let rows = run.stdout.split(separator: "\n").map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }.filter { $0.count == 8 && Int($0[2].replacingOccurrences(of: ",", with: "")) != nil }
        #expect(rows.count >= 17, "\(run.stdout)")
        for row in rows {
            let (bytesIn, bytesOut) = (Int(row[2].replacingOccurrences(of: ",", with: ""))!, Int(row[3].replacingOccurrences(of: ",", with: ""))!)
            #expect(bytesOut <= bytesIn, "\(row[1]): \(bytesIn) bytes in, \(bytesOut) out (\(row[6]))")
        }
        func answer(_ input: String) -> String? { rows.first { $0[1] == input }?[6] }
        #expect(answer("WebSocket upgrade (smallest valid request; answer: 101, no `hello` before `enter`)")?.hasPrefix("HTTP/1.1 101") == true)
        #expect(answer("upgrade, then `enter` with a bad UserSig") == "error -100018 auth-failed", "the full error, message text included")
        #expect(answer("upgrade, then a heartbeat")?.contains("pong") == true)
        #expect(answer("upgrade, then `enter` with an unknown sdkAppId, smallest") == "error -3317 invalid-argument (no message text)",
                "shortened to fit")
        #expect(answer("upgrade, then a malformed message (`{`)") == "close 1008", "not even the short error fits")
        #expect(answer("upgrade, then `publish` before `enter`") == "error -3340 refused (no message text)")
        #expect(answer("server-API request with a bad signature") == "HTTP/1.1 200 OK", "Tencent's JSON error, as before")
    }
}
