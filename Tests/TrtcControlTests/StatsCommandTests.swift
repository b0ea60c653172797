import Foundation
import Testing
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting

/// `trtcctl stats` and the Statistics/NetworkQuality lines of `trtcctl monitor`, with a real trtcd publishing
/// the private PipeWire's test camera and microphone to a real trtc-server.
@Suite("trtcctl stats and monitor's statistics lines")
struct StatsCommandTests {
    @Test("not in a room: stats exits 1; in a room: monitor prints Statistics and NetworkQuality, stats the latest (text and JSON)")
    func statsInARoom() async throws {
        try await withPipeWire { pipewire in
            try await withDaemonSession(daemonEnvironment: pipewire) { session in
                let idle = try await session.trtcctl(["stats"])
                #expect(idle.status == 1 && idle.stderr.contains("not in a room"), "\(idle)")

                let monitor = try await session.monitor(json: false)
                let enter = try await session.trtcctl([
                    "enter", "--room", "41", "--user", "alice", "--video", "--audio",
                ])
                #expect(enter.status == 0, "\(enter)")
                let statisticsLine = try await monitor.waitForLine(containing: " Statistics rtt=", timeout: .seconds(15))
                #expect(statisticsLine.contains("local main video 640x480"), "\(statisticsLine)")
                let qualityLine = try await monitor.waitForLine(containing: " NetworkQuality ", timeout: .seconds(5))
                let level = try #require(Int(qualityLine.split(separator: " ").last ?? ""), "\(qualityLine)")
                #expect((1...2).contains(level), "alone on loopback: excellent or good, \(qualityLine)")

                let text = try await session.trtcctl(["stats"])
                #expect(text.status == 0, "\(text)")
                let rtt = try #require(text.stdout.firstMatch(of: /rtt +(\d+) ms\n/), "\(text.stdout)")
                #expect((1..<50).contains(Int(rtt.1) ?? 0), "\(text.stdout)")
                #expect(text.stdout.contains(/local main +video 640x480 \d+fps \d+kbit\/s dropped=\d+, audio 48000Hz \d+kbit\/s\n/), "\(text.stdout)")

                let json = try await session.trtcctl(["stats", "--json"])
                guard json.status == 0, case .object(let fields) = try JSONCoding.parse(json.stdout),
                      case .integer(let jsonRtt)? = fields["rtt"], case .array(let local)? = fields["localArray"],
                      case .object(let main)? = local.first
                else { throw TestFailure("stats --json: \(json)") }
                #expect(jsonRtt > 0 && main["width"] == .integer(640) && main["height"] == .integer(480), "\(json.stdout)")
                #expect(fields["sentKbps"].map { if case .integer(let kbps) = $0 { kbps > 0 } else { false } } == true, "\(json.stdout)")

                // status leaves the numbers to stats.
                let status = try await session.trtcctl(["status"])
                #expect(!status.stdout.contains("Statistics"), "\(status)")

                #expect(try await session.trtcctl(["exit"]).status == 0)
                let after = try await session.trtcctl(["stats"])
                #expect(after.status == 1, "\(after)")
                monitor.signal(SIGINT)
                #expect(try await monitor.waitForExit() == 0)
            }
        }
    }
}
