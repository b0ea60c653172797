import Foundation
import Testing
import TrtcCore
import TrtcHarness
import TrtcHarnessTesting

/// trtcctl against a real trtcd on a private bus, entering rooms of a real trtc-server, with another real
/// signaling client in the room.
@Suite("trtcctl with a real trtcd")
struct DaemonEndToEndTests {
    static func statusJSON(_ session: DaemonSession) async throws -> [String: JSONValue] {
        let run = try await session.trtcctl(["status", "--json"])
        guard run.status == 0, case .object(let fields) = try JSONCoding.parse(run.stdout),
              run.stdout.hasSuffix("}\n"), run.stdout.filter({ $0 == "\n" }).count == 1
        else { throw TestFailure("status --json: \(run)") }
        return fields
    }

    @Test("enter returns and trtcd stays in the room; status and monitor follow; exit leaves")
    func enterMonitorExit() async throws {
        try await withDaemonSession { session in
            let jsonMonitor = try await session.monitor(json: true)
            let textMonitor = try await session.monitor(json: false)
            #expect(try await Self.statusJSON(session)["State"] == .string("idle"))

            let enter = try await session.trtcctl(["enter", "--room", "123", "--user", "alice"])
            #expect(enter.status == 0, "\(enter)")
            let entered = try #require(enter.stdout.wholeMatch(of: /entered room 123 as alice in (\d+) ms\n/), "\(enter)")
            let elapsed = try #require(Int(entered.1))

            // trtcctl has exited; trtcd is still in the room.
            let status = try await Self.statusJSON(session)
            #expect(status["State"] == .string("in-room"))
            #expect(status["RoomId"] == .string("123"))
            #expect(status["UserId"] == .string("alice"))
            #expect(status["Role"] == .string("anchor"))
            #expect(status["RemoteUsers"] == .array([]))

            try await withMembers(["bob"], in: .numeric(123), on: session.server) { members in
                try await members[0].waitFor("alice in entered") { message in
                    if case .entered(let entered) = message, entered.members.contains(where: { $0.userId == "alice" }) { true } else { nil }
                }
                _ = try await jsonMonitor.waitForLine(containing: "\"RemoteUserEnterRoom\"")
                let text = try await session.trtcctl(["status"])
                #expect(text.stdout.contains("RemoteUsers  [bob]\n"), "\(text)")

                let exit = try await session.trtcctl(["exit"])
                #expect(exit.status == 0 && exit.stdout.isEmpty, "\(exit)")
                #expect(try await members[0].waitForLeave(of: "alice") == .left)
            }
            #expect(try await Self.statusJSON(session)["State"] == .string("idle"))
            let again = try await session.trtcctl(["exit"])
            #expect(again.status == 0, "exit when idle: \(again)")

            _ = try await jsonMonitor.waitForLine(containing: "\"ExitRoom\"")
            _ = try await textMonitor.waitForLine(containing: " ExitRoom 0")
            jsonMonitor.signal(SIGINT)
            textMonitor.signal(SIGTERM)
            #expect(try await jsonMonitor.waitForExit() == 0)
            #expect(try await textMonitor.waitForExit() == 0)

            let records = try jsonMonitor.output.map(MonitorRecord.init)
            let signals = records.filter { !["PropertiesChanged", "Statistics", "NetworkQuality"].contains($0.signal) }
            #expect(signals.map(\.signal) == ["EnterRoom", "RemoteUserEnterRoom", "ExitRoom"], "\(records)")
            #expect(signals.first?.args == [.integer(Int64(elapsed))], "the EnterRoom signal carries the printed time")
            #expect(signals.dropFirst().first?.args == [.string("bob")])
            #expect(signals.last?.args == [.integer(0)])
            let states = records.compactMap { $0.changed?["State"] }
            #expect(states == ["entering", "in-room", "exiting", "idle"].map { .string($0) }, "\(records)")
            #expect(records.allSatisfy { $0.signal != "PropertiesChanged" || $0.args.first == .string("org.trtcd.Trtc1.Room") })
            let times = records.map(\.time)
            #expect(times == times.sorted() && times.allSatisfy { $0.hasSuffix("Z") && $0.count == 24 }, "\(times)")

            let lines = textMonitor.output
            #expect(lines.contains { $0.hasSuffix(" EnterRoom \(elapsed)") }, "\(lines)")
            #expect(lines.contains { $0.hasSuffix(" RemoteUserEnterRoom bob") }, "\(lines)")
            #expect(lines.contains { $0.contains(" PropertiesChanged ") && $0.contains("State=in-room") }, "\(lines)")
        }
    }

    @Test("removed by the server API: trtcd reports ExitRoom(1) and is idle again")
    func removedByServerAPI() async throws {
        try await withDaemonSession { session in
            let monitor = try await session.monitor(json: true)
            let enter = try await session.trtcctl(["enter", "--str-room", "ops room", "--user", "carol", "--scene", "live"])
            #expect(enter.status == 0, "\(enter)")
            let remove = try await session.trtcctl(["server", "remove-user", "--str-room", "ops room", "carol"],
                                                   environment: session.server.apiEnvironment)
            #expect(remove.status == 0, "\(remove)")
            let exitLine = try await monitor.waitForLine(containing: "\"ExitRoom\"")
            #expect(try MonitorRecord(line: exitLine).args == [.integer(1)])
            _ = try await monitor.waitForLine(containing: "\"idle\"")
            #expect(try await Self.statusJSON(session)["State"] == .string("idle"))
            monitor.signal(SIGINT)
            #expect(try await monitor.waitForExit() == 0)
        }
    }

    @Test("refusals by trtcd exit 1 naming the D-Bus error and the TRTC code")
    func refusals() async throws {
        try await withDaemonSession { session in
            let wrongKey = try await session.trtcctl(["enter", "--room", "7", "--user", "dave"], environment: ["TRTC_SECRET_KEY": "not-the-key"])
            #expect(wrongKey.status == 1, "\(wrongKey)")
            #expect(wrongKey.stderr.hasPrefix("trtcctl: org.trtcd.Trtc1.Error.AuthFailed: [-100018] "), "\(wrongKey)")

            let sig = UserSig.generate(sdkAppId: RoomServer.sdkAppId, userId: "dave", secretKey: RoomServer.secretKey)
            let withSig = try await session.trtcctl(["enter", "--room", "7", "--user", "dave", "--user-sig", sig],
                                                    environment: ["TRTC_SECRET_KEY": ""])
            #expect(withSig.status == 0, "\(withSig)")
            let twice = try await session.trtcctl(["enter", "--room", "8", "--user", "dave"])
            #expect(twice.status == 1, "\(twice)")
            #expect(twice.stderr.hasPrefix("trtcctl: org.trtcd.Trtc1.Error.AlreadyInRoom: ["), "\(twice)")
            #expect(try await Self.statusJSON(session)["RoomId"] == .string("7"), "the refused entry changed nothing")
            #expect(try await session.trtcctl(["exit"]).status == 0)

            let unreachable = try await session.trtcctl(["enter", "--room", "7", "--user", "dave"],
                                                        environment: ["TRTC_SERVER": "ws://127.0.0.1:1"])
            #expect(unreachable.status == 1, "\(unreachable)")
            #expect(unreachable.stderr.hasPrefix("trtcctl: org.trtcd.Trtc1.Error.ConnectFailed: [-3308] "), "\(unreachable)")
            #expect(try await Self.statusJSON(session)["State"] == .string("idle"))
        }
    }

    @Test("Ctrl-C while entering cancels the entry: exit 1 with Cancelled, trtcd idle again")
    func interruptCancelsEntry() async throws {
        try await withDaemonSession { session in
            let silent = try SilentListener()
            let enter = try ChildProcess(
                BuiltProducts.executable("trtcctl"), ["enter", "--room", "5", "--user", "frank", "--server", "ws://127.0.0.1:\(silent.port)"],
                environment: session.environment)
            let deadline = ContinuousClock.now + .seconds(10)
            while try await Self.statusJSON(session)["State"] != .string("entering") {
                if ContinuousClock.now > deadline { throw TestFailure("trtcd never started entering: \(enter.errorOutput)") }
                try await Task.sleep(for: .milliseconds(20))
            }
            enter.signal(SIGINT)
            #expect(try await enter.waitForExit() == 1)
            #expect(enter.errorOutput.contains("trtcctl: interrupted; asking trtcd to cancel the entry"), "\(enter.errorOutput)")
            #expect(enter.errorOutput.contains("trtcctl: org.trtcd.Trtc1.Error.Cancelled: ["), "\(enter.errorOutput)")
            #expect(enter.output.isEmpty)
            #expect(try await Self.statusJSON(session)["State"] == .string("idle"))
        }
    }
}
