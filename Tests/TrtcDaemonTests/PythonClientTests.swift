import Foundation
import Testing
import TrtcHarness

/// trtcd driven by a client that is not our Swift code: Python's dbus-fast.
@Suite("trtcd through dbus-fast (Python)", .serialized)
struct PythonClientTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/dbus_fast_client.py")

    @Test("enter, exit, bad input and signal order as seen by dbus-fast")
    func dbusFast() async throws {
        try await withDaemonRoom(users: 1) { room in
            let python = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                          ["python3", Self.script.path, room.buses[0].address, String(room.server.sdkAppId), room.server.secretKey],
                                          name: "dbus_fast_client.py")
            let status = try await python.waitForExit(timeout: .seconds(60))
            try await Task.sleep(for: .milliseconds(50))
            let output = python.output.joined(separator: "\n")
            #expect(status == 0, "\(output)\n\(python.errorOutput)")
            #expect(output.contains("checks passed, 0 failed"), "\(output)")
            #expect(!output.contains("FAIL"), "\(output)")
        }
    }
}
