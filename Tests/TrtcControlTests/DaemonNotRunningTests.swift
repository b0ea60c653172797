import Foundation
import Testing
import TrtcHarness

/// trtcctl on a session bus where nobody owns org.trtcd.Trtc1 and no activation file exists.
@Suite("trtcctl without trtcd")
struct DaemonNotRunningTests {
    static let commands: [[String]] = [
        ["status"], ["exit"], ["video", "start"], ["audio", "mute"], ["remote-video", "bob"],
        ["enter", "--room", "1", "--user", "alice", "--sdk-app-id", "1400000001"],
    ]

    @Test("every daemon command exits 1 saying trtcd is not running", arguments: commands)
    func notRunning(_ arguments: [String]) async throws {
        try await withPrivateBus { bus in
            let run = try await CommandRun.trtcctl(arguments, environment: bus.addressEnvironment.merging(["TRTC_SECRET_KEY": "k"]) { $1 })
            #expect(run.status == 1, "\(run)")
            #expect(run.stderr.hasPrefix("trtcctl: trtcd is not running"), "\(run)")
            #expect(run.stderr.contains("org.freedesktop.DBus.Error.ServiceUnknown"), "\(run)")
            #expect(run.stdout.isEmpty, "\(run)")
        }
    }

    @Test("no session bus at all: exit 1 with a message about the bus")
    func noBus() async throws {
        let run = try await CommandRun.trtcctl(["status"], environment: ["DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.hasPrefix("trtcctl: cannot connect to the session bus"), "\(run)")
    }

    @Test("monitor waits for trtcd when it is not running, and SIGTERM ends it with status 0")
    func monitorWithoutDaemon() async throws {
        try await withPrivateBus { bus in
            let monitor = try ChildProcess(BuiltProducts.executable("trtcctl"), ["monitor"], environment: bus.addressEnvironment)
            try await monitor.waitForError(containing: "trtcd is not running yet")
            monitor.signal(SIGTERM)
            #expect(try await monitor.waitForExit() == 0)
            #expect(monitor.output.isEmpty)
        }
    }
}
